enum GoPath {
    /// `strings.TrimSpace`: Go's `unicode.IsSpace` is exactly the Unicode White_Space property.
    static func trimSpace(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = text.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = text.lastIndex(where: { !$0.properties.isWhitespace })
        else { return [] }
        return Array(text[first...last])
    }

    /// `filepath.Clean` on Unix.
    static func clean(_ path: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if path.isEmpty { return ["."] }
        let rooted = path[0] == "/"
        var elements: [ArraySlice<Unicode.Scalar>] = []
        for element in path.split(separator: "/", omittingEmptySubsequences: true) {
            if element.elementsEqual(["."]) { continue }
            if element.elementsEqual([".", "."]) {
                if let last = elements.last, !last.elementsEqual([".", "."]) {
                    elements.removeLast()
                } else if !rooted {
                    elements.append(element)
                }
                continue
            }
            elements.append(element)
        }
        var result: [Unicode.Scalar] = rooted ? ["/"] : []
        result += Array(elements.joined(separator: ["/"]))
        return result.isEmpty ? ["."] : result
    }

    /// `filepath.Dir`.
    static func dir(_ path: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let end = path.lastIndex(of: "/").map { $0 + 1 } ?? 0
        return clean(Array(path[..<end]))
    }

    /// The directories above `path` that Docker tries a pattern on, outermost first: the prefixes of
    /// `filepath.Dir(path)`, or none when that is ".".
    static func ancestors(of path: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        let parent = dir(path)
        if parent == ["."] { return [] }
        var result: [[Unicode.Scalar]] = []
        for (index, character) in parent.enumerated() where character == "/" {
            result.append(Array(parent[..<index]))
        }
        result.append(parent)
        return result
    }
}
