/// The directory part of a path, without Foundation's path functions (which trap on some relative paths on
/// Linux): everything before the last `/`, `/` for a file at the root, and "" for a bare name.
public enum ParentDirectory {
    public static func of(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
