import WardenEngine

PgWardenMain.run()
