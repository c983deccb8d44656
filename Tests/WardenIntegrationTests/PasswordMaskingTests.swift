import Foundation
import Testing

/// Issue 18, finding 6, as it was seen: a registered conninfo written `password<TAB>=secret` was
/// printed by `cluster show`, `cluster show --json` and `node status`. Each now shows the mask in
/// its place and the rest of the conninfo unchanged.
@Suite("Password masking in reports", .serialized)
struct PasswordMaskingTests {
    @Test("password<TAB>=secret and sslpassword in a node's conninfo never reach the output")
    func tabBeforeEquals() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        let primary = try cluster.server(1)
        let registered = "host=127.0.0.1 port=\(primary.port) user=repmgr dbname=repmgr connect_timeout=2"
        _ = try primary.psql(
            "UPDATE repmgr.nodes SET conninfo = conninfo || E' password\\t=s3cr3t sslpassword = ''k3y s3cr3t''' WHERE node_id = 1"
        )
        #expect(try primary.psql("SELECT position('s3cr3t' IN conninfo) > 0 FROM repmgr.nodes") == "t")

        let show = try await cluster.pgwarden(node: 1, ["cluster", "show"])
        #expect(show.exitCode == 0, "\(show)")
        let json = try await cluster.pgwarden(node: 1, ["cluster", "show", "--json"])
        #expect(json.exitCode == 0, "\(json)")
        let status = try await cluster.pgwarden(node: 1, ["node", "status"])
        #expect(status.exitCode == 0, "\(status)")
        for result in [show, json, status] {
            #expect(!result.output.contains("s3cr3t"), "\(result)")
            #expect(!result.output.contains("k3y"), "\(result)")
            #expect(result.output.contains("=********"), "\(result)")
        }
        #expect(show.stdout.contains(registered + " password"), "\(show)")
        #expect(json.stdout.contains(registered + " password\\t=******** sslpassword = ********"), "\(json)")
        #expect(status.stdout.contains(registered + " password"), "\(status)")
    }
}
