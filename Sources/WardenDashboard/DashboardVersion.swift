import WardenEngine
import WardenTerminal

/// Identifies the dashboard build in its title bar.
public enum DashboardVersion {
    public static let name = "pgwarden dashboard"
}
