/// The site's rules as the nginx templates see them. Every text here is built from checked values (paths of
/// letters, digits and `- . _ ~ /`, statuses from a fixed set, header names of letters, digits and dashes, header
/// values without `"`, `\` and `$`) plus syntax berth writes itself; nothing is copied from a file as written.
extension SiteRules {
    /// The response headers every nginx site sends unless `_headers` says otherwise for a path.
    static let defaultHeaders: [(name: String, value: String)] = [
        ("Cache-Control", "$berth_cache_control_by_type"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Content-Security-Policy", "frame-ancestors 'self'"),
    ]

    var mustacheContext: [String: Any] {
        [
            "redirects": redirects.rules.map(Self.redirectContext),
            "responseHeaders": responseHeadersContext,
            "hasBasicAuth": !basicAuth.isEmpty,
            "basicAuth": basicAuthContext,
            "cleanUrls": cleanURLs,
            "precompress": precompress,
        ]
    }

    private static func captureName(line: Int, index: Int) -> String { "berth_r\(line)_\(index)" }

    private static func redirectContext(_ rule: RedirectRule) -> [String: Any] {
        let target: String
        func text(_ pieces: [RedirectTarget.Piece]) -> String {
            pieces.map { piece in
                switch piece {
                case .literal(let literal): literal
                case .capture(let index): "${\(captureName(line: rule.line, index: index))}"
                }
            }.joined()
        }
        switch rule.to {
        case .path(let pieces): target = text(pieces)
        case .url(let origin, let pieces): target = origin + text(pieces)
        }
        return [
            "line": rule.line,
            "pattern": rule.from.regularExpression(capture: { captureName(line: rule.line, index: $0) }),
            "force": rule.force,
            "redirect": rule.status.isRedirect,
            "rewrite": rule.status == .rewrite,
            "notFound": rule.status == .notFound,
            "status": rule.status.rawValue,
            "target": target,
        ]
    }

    /// One entry per header name: berth's defaults first, then those `_headers` adds, each with the patterns that
    /// set it in file order (the first match wins) and its value elsewhere ("" sends nothing).
    private var responseHeadersContext: [[String: Any]] {
        var headers: [(name: String, defaultValue: String, entries: [[String: String]])] =
            Self.defaultHeaders.map { ($0.name, $0.value, []) }
        for rule in self.headers.rules {
            let pattern = rule.pattern.regularExpression(capture: nil)
            for (name, value) in rule.headers {
                let entry = ["pattern": pattern, "value": value?.text ?? ""]
                if let index = headers.firstIndex(where: { $0.name.lowercased() == name.key }) {
                    headers[index].entries.append(entry)
                } else {
                    headers.append((name.text, "", [entry]))
                }
            }
        }
        return headers.enumerated().map { index, header in
            ["name": header.name, "variable": "berth_header_\(index + 1)", "defaultValue": header.defaultValue,
             "entries": header.entries]
        }
    }

    /// Longest prefix first: the innermost protected area decides who may see a path.
    private var basicAuthContext: [[String: Any]] {
        basicAuth.enumerated().sorted { $0.element.pathPrefix.count > $1.element.pathPrefix.count }
            .map { index, area in
                ["pattern": area.regularExpression, "file": Self.htpasswdName(index), "path": area.pathPrefix]
            }
    }
}
