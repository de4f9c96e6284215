import Foundation
import Testing
@testable import BerthCore

@Suite("Where the hosts come from")
struct InventorySourceTests {
    static let berthFile = """
        # berth's hosts; not an ansible_ inventory
        hosts:
          web2:
            docker: tcp://10.0.0.2:2375
        """

    @Test("a hosts.yml in the current directory takes the place of DOCKER_HOST, and says so")
    func currentDirectoryWins() throws {
        let directory = try TemporarySite()
        try directory.write("hosts.yml", Self.berthFile)
        let environment = ["DOCKER_HOST": "tcp://127.0.0.1:2999"]
        let inventory = try Inventory.load(explicitPath: nil, environment: environment,
                                           currentDirectory: directory.path)
        #expect(inventory.hosts.map(\.name) == ["web2"])
        #expect(inventory.source == .currentDirectory(file: directory.path + "/hosts.yml",
                                                      ignoredDockerHost: "tcp://127.0.0.1:2999"))
        let text = inventory.source.description
        #expect(text.contains(directory.path + "/hosts.yml"))
        #expect(text.contains("DOCKER_HOST=tcp://127.0.0.1:2999 is not used"))
    }

    @Test("without a file: DOCKER_HOST, else the default socket; --hosts and BERTH_HOSTS name their file")
    func otherSources() throws {
        let empty = try TemporarySite()
        let fromDockerHost = try Inventory.load(explicitPath: nil, environment: ["DOCKER_HOST": "tcp://127.0.0.1:2999"],
                                                currentDirectory: empty.path)
        #expect(fromDockerHost.source == .dockerHost("tcp://127.0.0.1:2999"))
        #expect(fromDockerHost.source.description.contains("DOCKER_HOST=tcp://127.0.0.1:2999"))
        #expect(try Inventory.load(explicitPath: nil, environment: [:], currentDirectory: empty.path).source
            == .defaultSocket)
        let file = try empty.write("mine.yml", Self.berthFile)
        #expect(try Inventory.load(explicitPath: file, environment: ["BERTH_HOSTS": "/nope"]).source
            == .option(file: file))
        #expect(try Inventory.load(explicitPath: nil, environment: ["BERTH_HOSTS": file]).source
            == .environment(file: file))
    }

    @Test("an Ansible inventory is refused as such, with a hint", arguments: [
        "all:\n  hosts:\n    web1:\n      ansible_host: 10.0.0.1\n",
        "webservers:\n  hosts:\n    web1:\n      ansible_host: 10.0.0.1\n      ansible_user: deploy\n",
        "all:\n  children:\n    web: {}\n",
    ])
    func ansibleInventory(_ text: String) throws {
        let directory = try TemporarySite()
        try directory.write("hosts.yml", text)
        #expect {
            _ = try Inventory.load(explicitPath: nil, environment: ["DOCKER_HOST": "tcp://127.0.0.1:2999"],
                                   currentDirectory: directory.path)
        } throws: { error in
            let message = "\(error)"
            return message.contains("Ansible inventory") && message.contains("--hosts")
                && message.contains(directory.path + "/hosts.yml")
        }
    }

    @Test("berth's own mistakes are still reported as such")
    func berthMistake() {
        #expect {
            _ = try Inventory.parse("hosts:\n  web:\n    dockr: tcp://10.0.0.2:2375\n", file: "hosts.yml")
        } throws: { error in
            !"\(error)".contains("Ansible") && "\(error)".contains("dockr")
        }
    }
}
