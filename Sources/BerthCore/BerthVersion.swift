/// berth's version, the one place it is written: `berth --version` prints it and `scripts/release` names the
/// release after what the binary prints.
public enum BerthVersion {
    public static let current = "0.1.0"
}
