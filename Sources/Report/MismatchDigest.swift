import Verify

/// One line per producer that disagrees: its mismatching datasets and their distinct causes
/// (every mismatch's, SPEC 8.2), for the overview tables.
enum MismatchDigest {
    static func lines(_ v: VerifyReport?) -> [(producer: String, datasets: [String], causes: [String])] {
        var out: [(String, [String], [String])] = []
        for (p, pr) in (v?.producers ?? [:]).sorted(by: { $0.key < $1.key }) {
            let bad = pr.datasets.sorted(by: { $0.key < $1.key }).filter { $0.value.mismatches > 0 }
            guard !bad.isEmpty else { continue }
            var causes: [String] = []
            for (_, d) in bad {
                for c in (d.causes ?? []).map(\.cause) where !causes.contains(c) { causes.append(c) }
            }
            out.append((p, bad.map(\.key), causes))
        }
        return out
    }
}
