import Crypto
import Foundation

/// The cluster's shared secret (32 random bytes) that authenticates daemon messages and
/// published reports (see ``MessageAuthenticator``).
///
/// It is kept in `repmgr.pgwarden_secret` on the primary: created by `primary register`, or by
/// the first daemon that finds it missing (a cluster registered before it existed). A table is
/// the simplest sound place: streaming replication hands it to every standby (and to every
/// standby cloned later) with no channel of its own, it survives failovers, and PostgreSQL
/// decides who reads it — the table is owned by the cluster's pgwarden/repmgr user, `PUBLIC` has
/// no privilege on it, so only that user and superusers can read it, the same roles that can
/// already deliver messages (`COPY ... TO PROGRAM`). A file in each state directory would need
/// distributing to every node, including nodes added later, through that same channel. A witness
/// holds no replica: its daemon copies the primary's secret into the witness's own schema.
public struct ClusterSecret: Sendable {
    let key: SymmetricKey

    /// A secret made of `bytes` (at least 32).
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 32 else { return nil }
        self.init(unchecked: bytes)
    }

    /// A key of any length (RFC 4231's test vectors use shorter ones than a secret may be).
    init(unchecked bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
    }

    /// The secret written as hexadecimal digits, as stored in the table.
    public init?(hex: String) {
        guard let bytes = MessageAuthenticator.bytes(hex: hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// A new random secret (the system's cryptographic random source).
    public static func generate() -> ClusterSecret {
        ClusterSecret(key: SymmetricKey(size: .bits256))
    }

    private init(key: SymmetricKey) {
        self.key = key
    }

    /// HMAC-SHA256 of `data` keyed by the secret (RFC 2104, as RFC 4231's test vectors check).
    func authenticationCode(for data: Data) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
    }

    /// Whether `code` is the HMAC-SHA256 of `data`, compared in constant time.
    func isValid(_ code: [UInt8], for data: Data) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: data, using: key)
    }

    var hex: String {
        key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
    }

    static let createStatement: StaticString = """
        CREATE TABLE IF NOT EXISTS repmgr.pgwarden_secret (
          id     INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
          secret TEXT NOT NULL
        );
        REVOKE ALL ON TABLE repmgr.pgwarden_secret FROM PUBLIC;
        """

    /// Creates the table and a secret on `primary` when missing; a secret already there is kept.
    public static func ensure(on primary: Catalog) async throws(WardenError) {
        try await store(generate(), on: primary, replacing: false)
    }

    /// The secret in `catalog`, or nil when it has none (yet).
    public static func read(_ catalog: Catalog) async throws(WardenError) -> ClusterSecret? {
        let present = try await catalog.connection.query(
            "SELECT to_regclass('repmgr.pgwarden_secret') IS NOT NULL AS present"
        ).first?.bool("present")
        guard present == true else { return nil }
        let text = try await catalog.connection.query("SELECT secret FROM repmgr.pgwarden_secret WHERE id = 1")
            .first?.string("secret")
        return text.flatMap { ClusterSecret(hex: $0) }
    }

    /// The secret a daemon uses: its own server's copy, else the primary's (created there when
    /// missing, and copied to a witness's own schema). A witness asks the primary first: its copy
    /// may be older than the cluster.
    public static func obtain(local: Catalog, isWitness: Bool, nodes: [NodeRecord]) async throws(WardenError)
        -> ClusterSecret
    {
        if !isWitness, let secret = try await read(local) { return secret }
        do throws(WardenError) {
            let primary = try await ClusterConnector.primary(among: nodes).1
            try await ensure(on: primary)
            guard let secret = try await read(primary) else {
                throw WardenError("the primary holds no cluster secret", exitStatus: .dbQuery)
            }
            if isWitness { try await store(secret, on: local, replacing: true) }
            return secret
        } catch {
            if isWitness, let secret = try await read(local) { return secret }
            throw WardenError(
                "unable to obtain the cluster secret that authenticates daemon messages", detail: error.message,
                hint:
                    "it is created on the primary by \"pgwarden primary register\" or by the first daemon that can reach the primary",
                exitStatus: .dbConnection)
        }
    }

    private static func store(_ secret: ClusterSecret, on catalog: Catalog, replacing: Bool) async throws(WardenError) {
        try await catalog.connection.executeScript(createStatement)
        try await catalog.connection.query(
            replacing
                ? "INSERT INTO repmgr.pgwarden_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET secret = EXCLUDED.secret"
                : "INSERT INTO repmgr.pgwarden_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            [secret.hex])
    }
}
