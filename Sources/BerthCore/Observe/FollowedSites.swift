/// Which container of each site a follow reads, across replacements: what a survey of the hosts means for it.
///
/// A publish or rollback stops the site's container, runs the new one beside it, and only once that serves
/// removes the old one and gives the new one the site's name, all under the site's deploy lock. So a stream that
/// ends proves nothing by itself: the site's log has ended only when surveys taken after it find the container
/// stopped or gone while no lock is held. Two such surveys in a row are needed, because one can list the old
/// container just before a publish finishes and see the lock just after.
struct FollowedSites {
    /// Where a stream of a container begins.
    enum Start: Equatable {
        /// The container's whole log: a container that was not read before.
        case beginning
        /// After the last line already shown: the same container, running again.
        case after(LogTime)
    }

    struct Opening {
        var site: LocatedSite
        var start: Start
    }

    private enum Phase {
        case reading
        /// The stream ended at `endedAt` (with `failure` if it broke off); `quietSurveys` surveys since found the
        /// site stopped or gone, unlocked.
        case undecided(endedAt: ContinuousClock.Instant, quietSurveys: Int, failure: (any Error)?)
        /// Reported as ended; read again when the container runs again.
        case ended
        /// Reported as failed; read again only when the site has another container.
        case failed
    }

    private struct Entry {
        var site: LocatedSite
        var phase: Phase
        /// The stamp of the container's last line shown (or when its stream ended, if it showed none).
        var resumeAfter: LogTime
    }

    static let quietSurveysToEnd = 2

    /// One entry per site found on a host that answered: bounded by the number of containers, however long the
    /// follow runs.
    private var entries: [SiteKey: Entry] = [:]

    init(reading sites: [LocatedSite]) {
        for site in sites {
            entries[site.key] = Entry(site: site, phase: .reading, resumeAfter: .distantPast)
        }
    }

    /// Whether a site's end is not decided yet, so the follow must go on even with no stream open.
    var isWaiting: Bool {
        entries.values.contains { if case .undecided = $0.phase { true } else { false } }
    }

    /// A stream of `site`'s container ended at `now` (with `failure` if it broke off), its last line stamped
    /// `lastTime` (nil if it showed none). The stream of a container the site no longer has ends quietly.
    ///
    /// A container removed while its log is read can break the stream off rather than end it, so the surveys
    /// decide either way: the site has ended if its container is stopped or gone; if it still runs, a failure is
    /// reported (`surveyed`'s `failed`) and the container is not read again unless the site gets another one.
    mutating func streamEnded(_ site: LocatedSite, failure: (any Error)? = nil, lastTime: LogTime?,
                              now: ContinuousClock.Instant, wallClock: LogTime = .now()) {
        guard var entry = entries[site.key], entry.site.container.id == site.container.id,
              case .reading = entry.phase else { return }
        entry.phase = .undecided(endedAt: now, quietSurveys: 0, failure: failure)
        entry.resumeAfter = lastTime ?? max(entry.resumeAfter, wallClock)
        entries[site.key] = entry
    }

    /// What `survey` means: the containers to read from now on, the sites whose log has ended (to report), each
    /// with the stamp of its last line, and the sites whose running container's stream failed.
    mutating func surveyed(_ survey: SiteSurvey) -> (open: [Opening], ended: [(site: LocatedSite, lastTime: LogTime)],
                                                     failed: [(site: LocatedSite, error: any Error, lastTime: LogTime)]) {
        var open: [Opening] = []
        var ended: [(site: LocatedSite, lastTime: LogTime)] = []
        var failed: [(site: LocatedSite, error: any Error, lastTime: LogTime)] = []
        var found: Set<SiteKey> = []
        for site in survey.sites {
            let key = site.key
            found.insert(key)
            guard var entry = entries[key], entry.site.container.id == site.container.id else {
                // A site published since, or a site's new container: a publish or rollback replaced it. The old
                // container's stream, if still open, ends quietly.
                entries[key] = Entry(site: site, phase: .reading, resumeAfter: .distantPast)
                open.append(Opening(site: site, start: .beginning))
                continue
            }
            switch entry.phase {
            case .reading, .failed:
                continue
            case .ended:
                guard site.container.isRunning else { continue }
                entry.phase = .reading
                open.append(Opening(site: site, start: .after(entry.resumeAfter)))
            case .undecided(let endedAt, let quiet, let failure):
                guard survey.startedAt > endedAt else { continue }
                if site.container.isRunning, let failure {
                    entry.phase = .failed
                    failed.append((entry.site, failure, entry.resumeAfter))
                } else if site.container.isRunning {
                    // Started again: a failed publish restored it, or its restart policy did.
                    entry.phase = .reading
                    open.append(Opening(site: site, start: .after(entry.resumeAfter)))
                } else {
                    entry.phase = Self.phase(endedAt: endedAt, quietSurveys: quiet, locked: survey.locked.contains(key),
                                             failure: failure)
                    if case .ended = entry.phase { ended.append((entry.site, entry.resumeAfter)) }
                }
            }
            entries[key] = entry
        }

        for (key, entry) in entries where !found.contains(key) && survey.hostsAnswered.contains(key.host) {
            switch entry.phase {
            case .reading:
                // Its stream ends soon, and the site's end is decided after that.
                continue
            case .ended, .failed:
                entries[key] = nil
            case .undecided(let endedAt, let quiet, let failure):
                guard survey.startedAt > endedAt else { continue }
                let phase = Self.phase(endedAt: endedAt, quietSurveys: quiet, locked: survey.locked.contains(key),
                                       failure: failure)
                if case .ended = phase {
                    entries[key] = nil
                    ended.append((entry.site, entry.resumeAfter))
                } else {
                    entries[key]?.phase = phase
                }
            }
        }
        return (open, ended, failed)
    }

    /// A site whose stream ended, found stopped or gone by one more survey: ended, or still undecided.
    private static func phase(endedAt: ContinuousClock.Instant, quietSurveys: Int, locked: Bool,
                              failure: (any Error)?) -> Phase {
        if locked { return .undecided(endedAt: endedAt, quietSurveys: 0, failure: failure) }
        if quietSurveys + 1 >= quietSurveysToEnd { return .ended }
        return .undecided(endedAt: endedAt, quietSurveys: quietSurveys + 1, failure: failure)
    }
}
