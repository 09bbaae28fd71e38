import FP8
for f in FP8Format.all {
    let xs: [Double] = [500, 464, -500, 61440, 57344, 65536, 1e10, 0, -0.0, 1.5, 3.0, -1.0, 0x1p-140, 6.0, .infinity, -.infinity, .nan]
    print(f.name, xs.map { "0x" + String(f.encode($0, policy: .nosatMLDtypes), radix: 16) }.joined(separator: " "), f.maxFinite, f.minPositive)
}
