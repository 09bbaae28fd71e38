internal import CHDF5
import Foundation

extension HDF5File {
    /// Reads the whole dataset at `path` as elements of type `T`.
    ///
    /// - Parameters:
    ///   - shape: if given, the stored shape must have this rank and match every non-nil extent
    ///     (`[nil, 64]`: any number of rows of 64).
    /// - Returns: the values in row-major order and the stored shape (`[]` for a scalar).
    ///
    /// Preconditions: none on the file; every problem is an error.
    /// Errors: `.missingDataset`, `.wrongObjectKind` (a group), `.wrongType` when the stored
    /// element type is not exactly `T`'s kind (an int32 dataset read as `UInt16` is an error,
    /// never a conversion), `.wrongRank` / `.wrongShape`, `.nullDataspace` (h5py's `Empty`),
    /// `.outOfRange` if the size overflows `Int`, `.corrupt` if the dataset claims more bytes
    /// than the file can hold for it, `.library` if the data cannot be read.
    public func readArray<T: HDF5Element>(
        _ path: String, as type: T.Type = T.self, shape expected: [Int?]? = nil
    ) throws(FixtureError) -> HDF5Array<T> {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
          try ReadProgress.step(self.path, absolute, "opening the dataset") { () throws(FixtureError) in
            let dataset = try openObject(absolute, expecting: .dataset)
            try requireElementKind(T.hdf5Kind, of: dataset, at: absolute)
            let shape = try datasetShape(dataset, at: absolute)
            if let expected { try require(shape, matches: expected, at: absolute) }
            let count = try elementCount(shape, size: T.hdf5Kind.size, at: absolute)
            try requirePlausibleSize(count * T.hdf5Kind.size, of: dataset, at: absolute)
            return try readValues(dataset, count: count, shape: shape, at: absolute, as: T.self)
          }
        }
    }

    /// The shape of the dataset at `path` (`[]` for a scalar).
    ///
    /// Errors: `.missingDataset`, `.wrongObjectKind`, `.nullDataspace`.
    public func shape(of path: String) throws(FixtureError) -> [Int] {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
            try ReadProgress.step(self.path, absolute, "reading the shape") { () throws(FixtureError) in
                try datasetShape(try openObject(absolute, expecting: .dataset), at: absolute)
            }
        }
    }

    /// The stored element type of the dataset at `path`: an `HDF5ElementKind` raw value such as
    /// `"uint16"`, or a descriptive name for other types (`"float16"`, `"string"`, `"compound"`).
    ///
    /// Errors: `.missingDataset`, `.wrongObjectKind`, `.library`.
    public func elementTypeName(of path: String) throws(FixtureError) -> String {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
          try ReadProgress.step(self.path, absolute, "reading the element type") { () throws(FixtureError) in
            let dataset = try openObject(absolute, expecting: .dataset)
            let type = Handle(H5Dget_type(dataset.id), close: H5Tclose)
            guard type.id >= 0 else { throw libraryFailure(absolute, "reading the element type") }
            return HDF5Datatype.name(of: type.id)
          }
        }
    }

    /// Writes `values` as a new dataset of the given shape at `path`, creating missing parent
    /// groups. Elements are stored little-endian, as numpy stores them.
    ///
    /// Preconditions (checked, as errors): `values.count == shape.reduce(1, *)`, no negative
    /// extent, gzip level in 0...9.
    /// Errors: `.notWritable`, `.invalidArgument`, `.alreadyExists` if anything is at `path`
    /// (datasets are never replaced), `.wrongObjectKind` if a parent is a dataset, `.library`.
    public func write<T: HDF5Element>(
        _ values: [T], shape: [Int], to path: String, compression: Compression = .none
    ) throws(FixtureError) {
        try HDF5Library.locked { () throws(FixtureError) in
            let absolute = Self.absolute(path)
            let file = try writableID(absolute)
            guard shape.allSatisfy({ $0 >= 0 }),
                  let count = try? elementCount(shape, size: T.hdf5Kind.size, at: absolute),
                  count == values.count
            else {
                throw failure(absolute, .invalidArgument(
                    "\(values.count) values do not fill shape \(shapeText(shape))"))
            }
            if let found = try lookUp(absolute, in: file) {
                throw failure(absolute, .alreadyExists(found.rawValue))
            }
            try requireParentGroups(of: absolute, in: file)

            let space = try dataspace(shape, at: absolute)
            let dcpl = try datasetCreationList(shape, size: T.hdf5Kind.size, compression, at: absolute)
            let lcpl = try linkCreationList(for: absolute)
            let dataset = Handle(
                H5Dcreate2(file, absolute, T.hdf5Kind.fileType, space.id, lcpl.id, dcpl.id,
                           chdf5_p_default()),
                close: H5Dclose)
            guard dataset.id >= 0 else { throw libraryFailure(absolute, "creating the dataset") }
            guard count > 0 else { return }
            let status = values.withUnsafeBytes {
                H5Dwrite(dataset.id, T.hdf5Kind.memoryType, chdf5_s_all(), chdf5_s_all(),
                         chdf5_p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw libraryFailure(absolute, "writing the data") }
        }
    }

    /// Writes `array` as a new dataset at `path`; see `write(_:shape:to:compression:)`.
    public func write<T: HDF5Element>(
        _ array: HDF5Array<T>, to path: String, compression: Compression = .none
    ) throws(FixtureError) {
        try write(array.values, shape: array.shape, to: path, compression: compression)
    }

    // MARK: - Internals

    /// The checked read of a dataset whose size has been checked, into a zero-filled buffer
    /// (no outcome depends on memory left uninitialised): gzip-compressed chunks are inflated and
    /// checked by `readCompressedChunks` (each stream must give exactly its chunk's bytes), which
    /// also fills the buffer where it can; anything else is read by the library.
    private func readValues<T: HDF5Element>(_ dataset: borrowing Handle, count: Int, shape: [Int],
                                            at absolute: String, as: T.Type) throws(FixtureError)
        -> HDF5Array<T>
    {
        guard count > 0 else { return HDF5Array(values: [], shape: shape) }
        let bytes = count * T.hdf5Kind.size
        return try ReadProgress.step(self.path, absolute, "reading the data", bytes: bytes)
        { () throws(FixtureError) in
            var values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                _ = UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
                initialized = count  // all bytes zero: a valid value of every HDF5Element
            }
            var thrown: FixtureError?
            let filled = values.withUnsafeMutableBytes { buffer -> Bool in
                do { return try readCompressedChunks(dataset, elementSize: T.hdf5Kind.size, into: buffer, at: absolute) }
                catch let error as FixtureError { thrown = error; return false } catch { return false }
            }
            if let thrown { throw thrown }
            if filled { return HDF5Array(values: values, shape: shape) }
            let status = values.withUnsafeMutableBytes {
                H5Dread(dataset.id, T.hdf5Kind.memoryType, chdf5_s_all(), chdf5_s_all(),
                        chdf5_p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw libraryFailure(absolute, "reading the data") }
            return HDF5Array(values: values, shape: shape)
        }
    }

    private func requireElementKind(_ kind: HDF5ElementKind, of dataset: borrowing Handle,
                                    at path: String) throws(FixtureError) {
        let type = Handle(H5Dget_type(dataset.id), close: H5Tclose)
        guard type.id >= 0 else { throw libraryFailure(path, "reading the element type") }
        guard HDF5Datatype.elementKind(of: type.id) == kind else {
            throw failure(path, .wrongType(expected: kind.rawValue,
                                           found: HDF5Datatype.name(of: type.id)))
        }
    }

    private func datasetShape(_ dataset: borrowing Handle, at path: String)
        throws(FixtureError) -> [Int]
    {
        let space = Handle(H5Dget_space(dataset.id), close: H5Sclose)
        guard space.id >= 0 else { throw libraryFailure(path, "reading the shape") }
        guard let shape = HDF5Datatype.shape(of: space.id) else {
            throw failure(path, .nullDataspace)
        }
        return shape
    }

    private func require(_ shape: [Int], matches expected: [Int?], at path: String)
        throws(FixtureError)
    {
        guard shape.count == expected.count else {
            throw failure(path, .wrongRank(expected: expected.count, found: shape.count))
        }
        let mismatch = zip(shape, expected).contains { extent, wanted in
            wanted.map { $0 != extent } ?? false
        }
        if mismatch { throw failure(path, .wrongShape(expected: expected, found: shape)) }
    }

    /// The number of elements, checking that it and its size in bytes fit in an `Int`.
    private func elementCount(_ shape: [Int], size: Int, at path: String)
        throws(FixtureError) -> Int
    {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw failure(path, .outOfRange("shape \(shapeText(shape))")) }
            count = product
        }
        guard !count.multipliedReportingOverflow(by: size).overflow else {
            throw failure(path, .outOfRange("shape \(shapeText(shape))"))
        }
        return count
    }

    /// Refuses a read the file cannot back, before anything is allocated, so that a damaged
    /// header or a compression bomb cannot make us allocate gigabytes: a filtered dataset may
    /// declare at most 100 times the bytes it stores (real fixtures compress bf16 and fp8 data
    /// less than 3:1; a zlib stream of zeros reaches 1032:1), an unfiltered one what it stores,
    /// each plus 64 MiB for chunks never written (which read as fill values); and no dataset
    /// may declare more than a third of the process's memory budget (`memoryBudget`).
    private func requirePlausibleSize(_ bytes: Int, of dataset: borrowing Handle, at path: String)
        throws(FixtureError)
    {
        let stored = Int(clamping: H5Dget_storage_size(dataset.id))
        let creation = Handle(H5Dget_create_plist(dataset.id), close: H5Pclose)
        guard creation.id >= 0 else { throw libraryFailure(path, "reading the storage layout") }
        let ratio = H5Pget_nfilters(creation.id) > 0 ? 100 : 1
        let unwritten = 64 << 20
        let limit = stored > (Int.max - unwritten) / ratio ? Int.max : stored * ratio + unwritten
        guard bytes <= limit else {
            throw failure(path, .corrupt("the dataset declares \(bytes) bytes, the file stores \(stored) for it"
                + (ratio > 1 ? " (more than \(ratio):1 compression: a zlib bomb?)" : "")))
        }
        if let budget = Self.memoryBudget, bytes > budget / 3 {
            throw failure(path, .corrupt("the dataset declares \(bytes) bytes, more than a third of the memory "
                + "budget of \(budget) bytes (FP8MOE_MEMORY_LIMIT sets the budget)"))
        }
    }

    /// The address space this process may use (RLIMIT_AS, which the CLI's supervisor sets for
    /// the reading child), or nil when unlimited.
    static var memoryBudget: Int? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    private func dataspace(_ shape: [Int], at path: String) throws(FixtureError) -> Handle {
        let id = shape.isEmpty
            ? H5Screate(H5S_SCALAR)
            : H5Screate_simple(Int32(shape.count), shape.map { hsize_t($0) }, nil)
        guard id >= 0 else { throw libraryFailure(path, "creating the dataspace") }
        return Handle(id, close: H5Sclose)
    }

    private func datasetCreationList(_ shape: [Int], size: Int, _ compression: Compression,
                                     at path: String) throws(FixtureError) -> Handle {
        let dcpl = Handle(H5Pcreate(chdf5_p_dataset_create()), close: H5Pclose)
        guard dcpl.id >= 0 else { throw libraryFailure(path, "setting up dataset creation") }
        guard case .gzip(let level) = compression else { return dcpl }
        guard (0...9).contains(level) else {
            throw failure(path, .invalidArgument("gzip level \(level) is not in 0...9"))
        }
        guard !shape.isEmpty, !shape.contains(0) else { return dcpl }
        guard H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 else {
            throw failure(path, .library(operation: "compressing",
                                         detail: "this HDF5 library has no deflate filter"))
        }
        let chunk = Self.chunkShape(shape, size: size).map { hsize_t($0) }
        guard H5Pset_chunk(dcpl.id, Int32(chunk.count), chunk) >= 0,
              H5Pset_deflate(dcpl.id, UInt32(level)) >= 0
        else { throw libraryFailure(path, "setting up compression") }
        return dcpl
    }

    /// A chunk of at most 1 MiB: the whole shape, with the outermost extents halved first (so
    /// a chunk holds whole rows, and whole experts of `[G, K, N]` where they fit).
    ///
    /// Preconditions: `shape` is non-empty with every extent at least 1.
    static func chunkShape(_ shape: [Int], size: Int) -> [Int] {
        let limit = 1 << 20
        var chunk = shape
        for axis in chunk.indices {
            while chunk.reduce(size, *) > limit, chunk[axis] > 1 {
                chunk[axis] = (chunk[axis] + 1) / 2
            }
        }
        return chunk
    }
}
