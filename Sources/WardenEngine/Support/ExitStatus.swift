/// The process exit codes of repmgr 5.3 (`errcode.h`), which pgwarden keeps so that
/// scripts written for repmgr read pgwarden's results the same way.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case badConfig = 1
    case badRsync = 2
    case badPidfile = 3
    case noRestart = 4
    case localCommand = 5
    case dbConnection = 6
    case dbQuery = 7
    case promotionFailed = 8
    case monitoringTimeout = 9
    case stringOverflow = 10
    case failoverFailed = 11
    case badSSH = 12
    case systemFailure = 13
    case badBaseBackup = 14
    case internalError = 15
    case monitoringFailed = 16
    case badBackupLabel = 17
    case switchoverFailed = 18
    case barman = 19
    case registrationSync = 20
    case outOfMemory = 21
    case switchoverIncomplete = 22
    case followFailed = 23
    case rejoinFailed = 24
    case nodeStatus = 25
    case repmgrdPause = 26
    case repmgrdService = 27
    case pgBackupAPIService = 28
}
