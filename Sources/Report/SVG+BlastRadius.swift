import Foundation

extension SVG {
    /// The blast-radius strips: for each probe operand a panel, for each recipe two rows (one NaN
    /// planted, one +Inf planted), each with a red bar (elements made NaN or infinite, the planted
    /// one included) and a grey bar (elements zeroed), on a log2 axis from 1 element to the whole
    /// probe, with marks at a 32-block, a 128-block, a row, a 128x128 block and the tensor.
    static func blastRadius(_ recipes: [(label: String, radii: [BlastRadius])]) -> String {
        let operands = recipes.flatMap { $0.radii.map(\.operand) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard !operands.isEmpty else { return "<p class=\"muted\">no blast-radius probes</p>" }
        let (labelW, barW, rowH, panelGap) = (150.0, 520.0, 11.0, 34.0)
        let rowsPerPanel = recipes.count * 2
        let panelH = Double(rowsPerPanel) * (2 * rowH + 4) + 40
        let width = labelW + barW + 90
        let height = Double(operands.count) * (panelH + panelGap) + 24
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"system-ui, sans-serif\">"
        out += "<rect x=\"\(n(labelW))\" y=\"4\" width=\"10\" height=\"10\" fill=\"#c53030\"/><text x=\"\(n(labelW + 14))\" y=\"13\" font-size=\"11\">made NaN / Inf (the GEMM sees NaN)</text>"
        out += "<rect x=\"\(n(labelW + 250))\" y=\"4\" width=\"10\" height=\"10\" fill=\"#718096\"/><text x=\"\(n(labelW + 264))\" y=\"13\" font-size=\"11\">zeroed</text>"
        var top = 24.0
        for op in operands {
            guard let any = recipes.lazy.compactMap({ $0.radii.first { $0.operand == op } }).first else { continue }
            let total = Double(any.elements)
            let shape = op == "a" ? "[256, 512]" : "[2, 256, 256]"
            func x(_ count: Double) -> Double { labelW + barW * log2(max(count, 1)) / log2(total) }
            out += "<text x=\"4\" y=\"\(n(top + 12))\" font-size=\"12\" font-weight=\"bold\">one NaN / one +Inf in \(esc(op)) \(shape) (\(Int(total)) elements)</text>"
            let axisTop = top + 20, axisBottom = top + panelH - 14
            var marks: [(Double, String)] = [(1, "1"), (32, "32"), (128, "128")]
            marks.append(op == "a" ? (512, "row 512") : (256, "K col 256"))
            if total > 16384 { marks.append((16384, "128x128")) }
            if op == "b" { marks.append((total / 2, "expert")) }
            marks.append((total, "tensor"))
            for (v, l) in marks {
                out += "<line x1=\"\(n(x(v)))\" x2=\"\(n(x(v)))\" y1=\"\(n(axisTop))\" y2=\"\(n(axisBottom))\" stroke=\"#e2e8f0\"/>"
                out += "<text x=\"\(n(x(v)))\" y=\"\(n(axisBottom + 11))\" font-size=\"9\" text-anchor=\"middle\">\(esc(l))</text>"
            }
            var y = axisTop + 2
            for r in recipes {
                for b in r.radii where b.operand == op {
                    let red = b.poisoned + (b.own == "NaN" || b.own == "Inf" ? 1 : 0)
                    let grey = b.zeroed + (b.own == "0" ? 1 : 0)
                    out += "<text x=\"\(n(labelW - 6))\" y=\"\(n(y + rowH + 2))\" font-size=\"10\" text-anchor=\"end\">\(esc(r.label)) \(esc(b.planted))</text>"
                    for (count, colour, dy) in [(red, "#c53030", 0.0), (grey, "#718096", rowH)] where count > 0 {
                        let w = max(x(Double(count)) - labelW, 2)
                        out += "<rect x=\"\(n(labelW))\" y=\"\(n(y + dy))\" width=\"\(n(w))\" height=\"\(n(rowH - 1))\" fill=\"\(colour)\"/>"
                        out += "<text x=\"\(n(labelW + w + 3))\" y=\"\(n(y + dy + rowH - 2))\" font-size=\"9\">\(count)</text>"
                    }
                    if red == 0 && grey == 0 {
                        out += "<text x=\"\(n(labelW + 3))\" y=\"\(n(y + rowH + 2))\" font-size=\"9\" fill=\"#2f855a\">nothing lost\(b.changed > 0 ? " (\(b.changed) changed)" : "")</text>"
                    }
                    y += 2 * rowH + 4
                }
            }
            top += panelH + panelGap
        }
        return out + "</svg>"
    }
}

/// The plots of a `Comparison` as standalone SVG files (`fp8moe compare --svg`).
public enum ComparisonSVG {
    public static func blastRadius(_ c: Comparison) -> String {
        SVG.blastRadius(c.recipes.compactMap { r in r.blastRadius.map { (label: r.label, radii: $0) } })
    }
}
