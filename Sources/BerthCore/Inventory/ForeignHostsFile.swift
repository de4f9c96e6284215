/// Recognises a hosts file that berth cannot read because it is plainly another tool's, so that berth says what
/// it is instead of complaining about its keys: the usual case is an Ansible inventory, also called `hosts.yml`,
/// lying in the directory berth runs in.
enum ForeignHostsFile {
    /// Top-level keys of an Ansible YAML inventory (`all:` with `children:`/`vars:`, `ungrouped:`).
    static let ansibleTopLevelKeys: Set<String> = ["all", "children", "vars", "ungrouped"]

    /// The error for a file that berth could not read as its own, when it has the marks of an Ansible inventory.
    static func recognise(_ text: String, file: String) -> ConfigFileError? {
        let mapping = try? YAMLMapping.parse(text, file: file)
        let topLevel = mapping?.entries.first { ansibleTopLevelKeys.contains($0.key) }
        guard topLevel != nil || text.contains("ansible_") else { return nil }
        let mark = topLevel.map { "a top-level '\($0.key):'" } ?? "'ansible_' variables"
        return ConfigFileError(
            file: file, line: topLevel?.line,
            message: "this looks like an Ansible inventory (\(mark)), not berth's hosts file. berth reads "
                + "./hosts.yml from the current directory unless --hosts or BERTH_HOSTS names another file, and then "
                + "does not use DOCKER_HOST: pass --hosts with berth's own file, or run berth from another directory")
    }
}
