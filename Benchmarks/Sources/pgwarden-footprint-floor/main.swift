import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

// pgwarden-footprint-floor CONNINFO [INTERVAL_SECONDS]
//
// Benchmark helper for the daemon's memory target: the least a Swift program that watches a
// PostgreSQL server through libpq can be. It links only the Swift runtime (statically, as the
// benchmarks build) and libpq — no Foundation, no pgwarden code — holds one connection and runs
// one parameterized query every INTERVAL_SECONDS (default 2) until it is killed. Its RSS is the
// floor under any daemon written in Swift against this machine's libpq.

func fail(_ message: String) -> Never {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: pgwarden-footprint-floor CONNINFO [INTERVAL_SECONDS]") }
let interval = arguments.count >= 3 ? UInt32(arguments[2]) ?? 2 : 2
guard let connection = PQconnectdb(arguments[1]), PQstatus(connection) == CONNECTION_OK else {
    fail("pgwarden-footprint-floor: unable to connect")
}
var answered = 0
while true {
    let result = "\(answered)".withCString { value in
        withUnsafePointer(to: Optional(value)) { parameters in
            PQexecParams(connection, "SELECT pg_catalog.pg_is_in_recovery(), $1::int", 1, nil, parameters, nil, nil, 0)
        }
    }
    if PQresultStatus(result) == PGRES_TUPLES_OK { answered += 1 }
    PQclear(result)
    sleep(interval)
}
