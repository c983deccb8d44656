import Foundation

/// Delivers this daemon's sealed messages into a peer's mailbox through the peer's own server:
/// it reads the peer's ``StateDirectoryPointer`` (`pg_read_file`, relative to the data
/// directory), then has the server's shell write the message under a temporary name in the
/// mailbox and rename it into place (``ServerHost``, `COPY ... TO PROGRAM`). Every value in the
/// shell command is quoted for the shell, and the command itself travels as a query parameter.
public struct MessageCourier: Sendable {
    public let nodeID: Int
    let authenticator: MessageAuthenticator

    /// Reads the pointer of the node behind a connection (`pointer`: its text, or NULL).
    static let pointerQuery = "SELECT pg_catalog.pg_read_file($1, 0, 4096, true) AS pointer"

    /// Delivers `message` to `record`'s daemon via `connection` (a session on `record`'s server).
    public func deliver(_ message: DaemonMessage, to record: NodeRecord, via connection: PostgresConnection)
        async throws(WardenError)
    {
        let text = try await connection.query(Self.pointerQuery, [StateDirectoryPointer.fileName]).first?
            .string("pointer")
        guard let pointer = text.flatMap(StateDirectoryPointer.init(text:)), pointer.nodeID == record.nodeID else {
            throw WardenError(
                "no daemon of \(record.label) has published its state directory on its server yet",
                exitStatus: .repmgrdService)
        }
        let data = try authenticator.sealMessage(message, sender: nodeID, recipient: record.nodeID)
        let name = "msg-\(Int(Date().timeIntervalSince1970 * 1000))-\(UUID().uuidString).json"
        let mailbox = StateDirectory(path: pointer.directory).mailbox
        let temporary = ShellQuoting.quote(mailbox + "/.tmp-" + name)
        let target = ShellQuoting.quote(mailbox + "/" + name)
        let json = ShellQuoting.quote(String(decoding: data, as: UTF8.self))
        // set -C: the temporary file must be new (O_EXCL); the mailbox must already exist, made
        // by its daemon with mode 0700: nothing here creates directories.
        _ = try await ServerHost(connection: connection).run(
            "umask 077 && set -C && printf '%s' \(json) > \(temporary) && mv -f \(temporary) \(target)",
            timeout: .seconds(3))
    }
}
