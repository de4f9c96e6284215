import Testing
@testable import BerthCore

@Suite("Image references (--base-image, BERTH_NGINX_IMAGE, BERTH_PYTHON_IMAGE)")
struct ImageReferenceTests {
    @Test("references Docker accepts are kept as written", arguments: [
        "nginx", "nginx:1.27-alpine", "berth-test/nginx:bookworm", "library/python:3.12",
        "127.0.0.1:5000/team/nginx:v1", "localhost:5000/nginx", "registry.example.com/a/b/c:latest",
        "ghcr.io/some_org/site__img.x:1.0", "my--image:TAG_1",
        "nginx@sha256:" + String(repeating: "ab", count: 32),
        "registry.example.com:443/nginx:1.27@sha256:" + String(repeating: "0", count: 64),
    ])
    func valid(_ text: String) throws {
        #expect(try ImageReference(parsing: text).description == text)
    }

    @Test("the parts are told apart: a registry's port is not a tag")
    func parts() throws {
        let reference = try ImageReference(parsing: "127.0.0.1:5000/team/nginx")
        #expect(reference.registry == "127.0.0.1:5000")
        #expect(reference.path == "team/nginx")
        #expect(reference.tag == nil)
        let tagged = try ImageReference(parsing: "team/nginx:1.27")
        #expect(tagged.registry == nil && tagged.path == "team/nginx" && tagged.tag == "1.27")
    }

    @Test("anything outside the grammar is refused with the reason", arguments: [
        ("nginx:1\nRUN rm -rf /", "newline"), ("nginx 1", "space"), ("nginx:1\r", "carriage return"),
        ("Nginx:1", "lower-case"), ("nginx:", "tag"), ("nginx:-1", "tag"), ("nginx:" + String(repeating: "a", count: 129), "tag"),
        ("/nginx", "empty path component"), ("team//nginx", "empty path component"), ("nginx/", "empty path component"),
        ("", "empty"), ("nginx@sha256:abc", "digest"), ("nginx@md5:" + String(repeating: "a", count: 32), "digest"),
        ("bad_host.example:5000/x", "registry"), ("host.example:99999/x", "registry"), ("na..me", "path component"),
        ("nginx\"", "path component"), ("nginx:1;echo", "tag"), ("nïnx", "non-ASCII"),
        (String(repeating: "a", count: 256), "longer than 255"),
    ])
    func invalid(_ text: String, _ reason: String) {
        #expect {
            try ImageReference(parsing: text)
        } throws: { error in
            guard let error = error as? ImageReferenceError else { return false }
            return error.reason.contains(reason) && error.value == text
        }
    }
}
