import Foundation

/// The files `berth init` writes into a site directory: a `berth.yml` with every key commented out at its default,
/// a `.dockerignore`, and a CI workflow that publishes the site on every push.
public struct StarterFiles: Sendable {
    public struct File: Sendable, Equatable {
        /// Relative to the site directory.
        public var path: String
        public var contents: String
    }

    public let files: [File]

    public static let standard = StarterFiles(files: [
        File(path: SiteConfig.fileName, contents: siteConfig),
        File(path: ".dockerignore", contents: dockerignore),
        File(path: ".github/workflows/berth.yml", contents: workflow),
    ])

    /// The files of this set that already exist in `directory` (as anything: a directory in the way counts too).
    public func existing(in directory: String) -> [String] {
        files.map(\.path).filter { FileManager.default.fileExists(atPath: directory + "/" + $0) }
    }

    /// Writes every file into `directory`, creating it and the directories on the way. Without `overwrite`, writes
    /// nothing at all when any of the files exists, and names them.
    public func write(into directory: String, overwrite: Bool) throws(StarterFilesError) {
        let existing = existing(in: directory)
        if !overwrite && !existing.isEmpty {
            throw .wouldOverwrite(directory: directory, files: existing)
        }
        for file in files {
            let path = directory + "/" + file.path
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw .cannotWrite(path: path, reason: error.localizedDescription)
            }
        }
    }
}

public enum StarterFilesError: Error, Sendable, Equatable, CustomStringConvertible {
    case wouldOverwrite(directory: String, files: [String])
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .wouldOverwrite(let directory, let files):
            return "\(directory) already has \(files.joined(separator: ", ")); nothing was written. "
                + "Move \(files.count == 1 ? "it" : "them") away, or use --force to overwrite"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}

extension StarterFiles {
    /// Every key `SiteConfig` reads, commented out, at its default (or an example where the default is a choice
    /// berth makes at publish time). A test uncomments it and parses it.
    static let siteConfig = """
        # berth.yml: how berth publishes this site. Every key is optional; each is shown commented out with its
        # default. An option on the command line (berth publish --memory 128m) wins over the same key here.

        # The web server: nginx, or python (Python's http.server).
        # server: nginx

        # The container's memory limit: a number with k, m or g (or KiB, MiB, GiB).
        # memory: \(MemoryLimit.defaultLimit)

        # The host port the site is published on (1-65535). Left out, berth keeps the site's current port, or takes
        # the lowest free one of the host's range (20000-20999 unless the inventory says otherwise).
        # port: 20080

        # true: a path that matches no file is answered with /index.html, for single-page applications (nginx).
        # spa: false

        # The page served, with status 404, for a path that matches no file (nginx). Left out: 404.html when the
        # site has one.
        # error_page: 404.html

        # The path berth asks for, expecting 200, to check that a new version serves before it switches to it. The
        # default, /, needs an index.html; a site without one names a page it has, such as /health.html.
        # check_path: /

        # On a host whose hosts file gives it an edge: names the site is served under over HTTPS, besides its
        # default SITE--USER.DOMAIN (a list; no wildcards).
        # domains: [www.example.com]

        # true: /about serves about.html, and /about.html (or /docs/index.html) redirects to /about (/docs/) (nginx).
        # clean_urls: false

        # true: text files (HTML, CSS, JavaScript, JSON, SVG, XML, text) above 1 KiB get a gzip copy made when the
        # image is built, sent to browsers that accept gzip instead of compressing on every request (nginx).
        # precompress: false

        # Paths behind a password (nginx). Only hashes go here: `berth passwd` reads a password on standard input and
        # prints one. "/" protects the whole site; where areas nest, the longest path holding a request decides.
        # basic_auth: []
        #   - path: /private/
        #     users:
        #       ann: "$6$…"

        # Redirects and response headers are files beside index.html, in Netlify's formats (nginx): _redirects
        # (FROM TO [STATUS], such as /old /new 301) and _headers (a path, then indented Name: value lines).

        """

    static let dockerignore = """
        # Files of this directory that are not part of the site: berth leaves them out of the image, with Docker's
        # own .dockerignore rules (*, ?, [...], **, ! exceptions; the last line that matches wins).
        # berth never ships .git, .dockerignore, berth.yml, _redirects and _headers, whatever this file says.
        .github
        **/.DS_Store
        **/Thumbs.db
        **/*.swp
        **/*~

        """

    static let workflow = #"""
        # Publishes the site with berth on every push to main. berth needs nothing but its image (or binary) and a
        # Docker Engine: it builds, pushes, runs and checks the site, and the version that was serving keeps serving
        # when anything fails.
        #
        # Set in the repository's settings (Secrets and variables > Actions):
        #   variables  BERTH_IMAGE     the berth image, made by berth's scripts/release and pushed where runners
        #                              can pull it, e.g. registry.example.com/berth:0.1.0
        #              DOCKER_HOST     the engine, e.g. tcp://web2.example.com:2376
        #              BERTH_USER      whose site it is (lower case letters, digits, dashes)
        #              BERTH_REGISTRY  optional: push each version to this registry, e.g. registry.example.com:5000
        #   secrets    DOCKER_CA, DOCKER_CERT, DOCKER_KEY          the engine's TLS files (ca.pem, cert.pem, key.pem)
        #              BERTH_REGISTRY_USER, BERTH_REGISTRY_PASSWORD  the registry's credentials, when it has any
        #
        # This file publishes the directory it was written into ("."); when the site is a subdirectory of the
        # repository, move this file to the repository's .github/workflows/ and publish that directory instead.
        name: berth
        on:
          push:
            branches: [main]
        concurrency:
          group: berth-publish
        jobs:
          publish:
            runs-on: ubuntu-latest
            container:
              image: ${{ vars.BERTH_IMAGE }}
            env:
              DOCKER_HOST: ${{ vars.DOCKER_HOST }}
              DOCKER_TLS_VERIFY: "1"
              DOCKER_CERT_PATH: /tmp/docker-certs
              BERTH_USER: ${{ vars.BERTH_USER }}
              BERTH_REGISTRY: ${{ vars.BERTH_REGISTRY }}
              BERTH_REGISTRY_USER: ${{ secrets.BERTH_REGISTRY_USER }}
              BERTH_REGISTRY_PASSWORD: ${{ secrets.BERTH_REGISTRY_PASSWORD }}
            steps:
              - uses: actions/checkout@v4
              - name: The engine's TLS files
                env:
                  DOCKER_CA: ${{ secrets.DOCKER_CA }}
                  DOCKER_CERT: ${{ secrets.DOCKER_CERT }}
                  DOCKER_KEY: ${{ secrets.DOCKER_KEY }}
                run: |
                  mkdir -p "$DOCKER_CERT_PATH"
                  printf '%s\n' "$DOCKER_CA" > "$DOCKER_CERT_PATH/ca.pem"
                  printf '%s\n' "$DOCKER_CERT" > "$DOCKER_CERT_PATH/cert.pem"
                  (umask 077 && printf '%s\n' "$DOCKER_KEY" > "$DOCKER_CERT_PATH/key.pem")
              - name: Publish
                # Exit status 75: another run is publishing the same site; rerun, or raise --lock-wait.
                run: berth publish . --tag "$(printf '%.12s' "$GITHUB_SHA")"

        """#
}
