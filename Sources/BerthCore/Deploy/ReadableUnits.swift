/// Durations and sizes as people read them in a table.
public enum ReadableUnits {
    /// The two largest units: `45s`, `7m 3s`, `5h 12m`, `3d 4h`.
    public static func duration(seconds: Int64) -> String {
        let total = max(seconds, 0)
        let days = total / 86_400
        let hours = total % 86_400 / 3_600
        let minutes = total % 3_600 / 60
        let rest = total % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(rest)s" }
        return "\(rest)s"
    }

    /// Binary units with one decimal: `512 B`, `3.1 MiB`, `1.5 GiB`.
    public static func bytes(_ count: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard count >= 1024 else { return "\(max(count, 0)) B" }
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = (value * 10).rounded() / 10
        let text = tenths == tenths.rounded() ? String(Int64(tenths)) : String(tenths)
        return "\(text) \(units[unit])"
    }
}
