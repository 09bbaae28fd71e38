internal import CHDF5

/// Where a dataset's bytes live, checked before they are read (issue 12): a fixture is one
/// self-contained file, and a compressed chunk decompresses to exactly its declared size.
extension HDF5File {
    /// Refuses a dataset whose data lives outside the file (external raw storage, a virtual
    /// dataset's sources) or passes through a filter other than gzip, shuffle and fletcher32.
    ///
    /// Errors: `.notAllowed` naming the feature, `.library` if the layout cannot be read.
    func requireStorageInFile(_ dataset: borrowing Handle, at path: String) throws(FixtureError) {
        let creation = Handle(H5Dget_create_plist(dataset.id), close: H5Pclose)
        guard creation.id >= 0 else { throw libraryFailure(path, "reading the storage layout") }
        let layout = H5Pget_layout(creation.id)
        if layout == H5D_VIRTUAL { throw failure(path, .notAllowed("a virtual dataset")) }
        let external = H5Pget_external_count(creation.id)
        if external != 0 {
            var name = [CChar](repeating: 0, count: 256)
            var offset: off_t = 0
            var size: hsize_t = 0
            let first = external > 0 && H5Pget_external(creation.id, 0, name.count, &name, &offset, &size) >= 0
                ? " (in \(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))"
                : ""
            throw failure(path, .notAllowed("external raw storage\(first)"))
        }
        for filter in try filters(creation, at: path)
        where ![H5Z_FILTER_DEFLATE, H5Z_FILTER_SHUFFLE, H5Z_FILTER_FLETCHER32].contains(filter) {
            throw failure(path, .notAllowed("HDF5 filter \(filter) (fixtures may use gzip, shuffle and fletcher32)"))
        }
    }

    /// The filter ids of a dataset creation list, in the order they were applied on writing.
    func filters(_ creation: borrowing Handle, at path: String) throws(FixtureError) -> [Int32] {
        let count = H5Pget_nfilters(creation.id)
        guard count >= 0, count <= 32 else { throw libraryFailure(path, "reading the filters") }
        var ids: [Int32] = []
        for index in 0..<UInt32(count) {
            var flags: UInt32 = 0
            var valueCount = 0
            var configuration: UInt32 = 0
            let id = H5Pget_filter2(creation.id, index, &flags, &valueCount, nil, 0, nil, &configuration)
            guard id >= 0 else { throw libraryFailure(path, "reading the filters") }
            ids.append(id)
        }
        return ids
    }

    /// Reads a chunked, gzip-compressed dataset by inflating each chunk here, once, checking
    /// that each stream ends, gives exactly the chunk's size and uses all its bytes (HDF5 1.10.8
    /// passes a short stream on as a chunk whose tail is left uninitialised, and a stream that
    /// inflates past the chunk is a bomb), and copying the chunk into `destination` (row-major,
    /// the dataset's shape). Chunks written without the deflate filter (its bit set in the
    /// chunk's filter mask) must be stored at exactly their size.
    ///
    /// Returns true when `destination` holds the data: every chunk of the grid written once,
    /// filters gzip and shuffle only, little-endian (or one-byte) elements. Otherwise (not
    /// chunked, not compressed, fletcher32, big-endian, chunks never written, which read as the
    /// fill value) returns false after the same checks on every stored chunk, and the caller
    /// reads through the library.
    ///
    /// Cost: what the library's read costs (one inflate per chunk and one copy); a 256 KiB
    /// scratch buffer and one chunk buffer besides the destination.
    /// Errors: `.corrupt` naming the chunk and what is wrong with it, `.library`.
    func readCompressedChunks(_ dataset: borrowing Handle, elementSize: Int,
                              into destination: UnsafeMutableRawBufferPointer,
                              at path: String) throws(FixtureError) -> Bool {
        let creation = Handle(H5Dget_create_plist(dataset.id), close: H5Pclose)
        guard creation.id >= 0 else { throw libraryFailure(path, "reading the storage layout") }
        guard H5Pget_layout(creation.id) == H5D_CHUNKED else { return false }
        let ids = try filters(creation, at: path)
        guard let deflateIndex = ids.firstIndex(of: H5Z_FILTER_DEFLATE) else { return false }
        let shuffleIndex = ids.firstIndex(of: H5Z_FILTER_SHUFFLE)
        let fletcherIndex = ids.firstIndex(of: H5Z_FILTER_FLETCHER32)
        let space = Handle(H5Dget_space(dataset.id), close: H5Sclose)
        let rank = Int(H5Sget_simple_extent_ndims(space.id))
        guard space.id >= 0, rank > 0 else { return false }
        var chunkDims = [hsize_t](repeating: 0, count: rank)
        var dims = [hsize_t](repeating: 0, count: rank)
        guard H5Pget_chunk(creation.id, Int32(rank), &chunkDims) == rank,
              H5Sget_simple_extent_dims(space.id, &dims, nil) == rank,
              chunkDims.allSatisfy({ $0 > 0 })
        else { throw libraryFailure(path, "reading the chunk shape") }
        var chunkBytes = elementSize
        var gridCount = 1
        for axis in 0..<rank {
            let (product, overflow) = chunkBytes.multipliedReportingOverflow(by: Int(clamping: chunkDims[axis]))
            guard !overflow, product <= 1 << 32 else {
                throw failure(path, .corrupt("chunk shape \(chunkDims) holds more than 4 GiB"))
            }
            chunkBytes = product
            gridCount *= Int((dims[axis] + chunkDims[axis] - 1) / chunkDims[axis])
        }
        var chunkCount: hsize_t = 0
        guard H5Dget_num_chunks(dataset.id, space.id, &chunkCount) >= 0 else {
            throw libraryFailure(path, "counting the chunks")
        }
        let fileType = Handle(H5Dget_type(dataset.id), close: H5Tclose)
        let littleEndian = elementSize == 1 || H5Tget_order(fileType.id) == H5T_ORDER_LE
        let direct = fletcherIndex == nil && littleEndian && Int(chunkCount) == gridCount
            && ids.allSatisfy { $0 == H5Z_FILTER_DEFLATE || $0 == H5Z_FILTER_SHUFFLE }
        var seen = Set<Int>()
        var scratch = [UInt8](repeating: 0, count: 1 << 18)
        var chunk = [UInt8](repeating: 0, count: direct ? chunkBytes : 0)
        var unshuffled = [UInt8](repeating: 0, count: direct && shuffleIndex != nil && elementSize > 1 ? chunkBytes : 0)
        var raw: [UInt8] = []
        for index in 0..<chunkCount {
            var offset = [hsize_t](repeating: 0, count: rank)
            var mask: UInt32 = 0
            var address: haddr_t = 0
            var size: hsize_t = 0
            guard H5Dget_chunk_info(dataset.id, space.id, index, &offset, &mask, &address, &size) >= 0 else {
                throw libraryFailure(path, "reading the chunk index")
            }
            let name = "the chunk at \(offset)"
            var gridIndex = 0
            for axis in 0..<rank {
                guard offset[axis] < dims[axis], offset[axis] % chunkDims[axis] == 0 else {
                    throw failure(path, .corrupt("\(name) is not a chunk of the shape \(dims)"))
                }
                gridIndex = gridIndex * Int((dims[axis] + chunkDims[axis] - 1) / chunkDims[axis])
                    + Int(offset[axis] / chunkDims[axis])
            }
            guard seen.insert(gridIndex).inserted else { throw failure(path, .corrupt("\(name) is stored twice")) }
            guard size <= hsize_t(Int.max), Int(size) <= chunkBytes + chunkBytes / 100 + 1 << 20 else {
                throw failure(path, .corrupt("\(name) stores \(size) bytes for a chunk of \(chunkBytes)"))
            }
            raw = [UInt8](repeating: 0, count: Int(size))
            var readMask = mask
            guard H5Dread_chunk(dataset.id, chdf5_p_default(), offset, &readMask, &raw) >= 0 else {
                throw libraryFailure(path, "reading \(name)")
            }
            var stored = raw.count
            if let fletcherIndex, mask & (1 << UInt32(fletcherIndex)) == 0 {
                guard stored >= 4 else { throw failure(path, .corrupt("\(name) is shorter than its checksum")) }
                stored -= 4
            }
            if mask & (1 << UInt32(deflateIndex)) != 0 {
                guard stored == chunkBytes else {
                    throw failure(path, .corrupt("\(name) stores \(stored) bytes uncompressed, the chunk holds \(chunkBytes)"))
                }
                if direct {
                    raw.withUnsafeBytes { source in
                        chunk.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<chunkBytes])) }
                    }
                }
            } else {
                var thrown: FixtureError?
                let inflated = chunk.withUnsafeMutableBytes { target -> Int in
                    do {
                        return try inflatedSize(raw, count: stored, into: direct ? target : nil, limit: chunkBytes,
                                                scratch: &scratch, chunk: name, at: path)
                    } catch let error as FixtureError { thrown = error; return 0 } catch { return 0 }
                }
                if let thrown { throw thrown }
                guard inflated == chunkBytes else {
                    throw failure(path, .corrupt("\(name) decompresses to \(inflated) bytes, the chunk holds \(chunkBytes)"))
                }
            }
            guard direct else { continue }
            var source = chunk
            if let shuffleIndex, elementSize > 1, mask & (1 << UInt32(shuffleIndex)) == 0 {
                // HDF5's shuffle stores byte j of element i at j * n + i.
                let n = chunkBytes / elementSize
                chunk.withUnsafeBytes { input in
                    unshuffled.withUnsafeMutableBytes { output in
                        for j in 0..<elementSize {
                            for i in 0..<n { output[i * elementSize + j] = input[j * n + i] }
                        }
                    }
                }
                source = unshuffled
            }
            source.withUnsafeBytes { copyChunk($0, at: offset, chunkDims: chunkDims, dims: dims,
                                               elementSize: elementSize, into: destination) }
        }
        return direct
    }

    /// Copies the part of a chunk (row-major, `chunkDims`) that lies inside the dataset into
    /// `destination` (row-major, `dims`) at `offset`.
    private func copyChunk(_ chunk: UnsafeRawBufferPointer, at offset: [hsize_t], chunkDims: [hsize_t],
                           dims: [hsize_t], elementSize: Int, into destination: UnsafeMutableRawBufferPointer) {
        let rank = dims.count
        let extent = (0..<rank).map { Int(min(chunkDims[$0], dims[$0] - offset[$0])) }
        var chunkStride = [Int](repeating: 1, count: rank), rowStride = [Int](repeating: 1, count: rank)
        for axis in Swift.stride(from: rank - 2, through: 0, by: -1) {
            chunkStride[axis] = chunkStride[axis + 1] * Int(chunkDims[axis + 1])
            rowStride[axis] = rowStride[axis + 1] * Int(dims[axis + 1])
        }
        let rowBytes = extent[rank - 1] * elementSize
        var index = [Int](repeating: 0, count: rank)  // the last entry stays 0
        while true {
            var from = 0, to = 0
            for axis in 0..<rank {
                from += index[axis] * chunkStride[axis]
                to += (Int(offset[axis]) + index[axis]) * rowStride[axis]
            }
            (destination.baseAddress! + to * elementSize)
                .copyMemory(from: chunk.baseAddress! + from * elementSize, byteCount: rowBytes)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < extent[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// The number of bytes the zlib stream in `raw[0..<count]` inflates to, written into
    /// `target` (when given) and then counted in `scratch`, stopping as soon as it exceeds
    /// `limit`; the stream must end and use all `count` bytes.
    private func inflatedSize(_ raw: [UInt8], count: Int, into target: UnsafeMutableRawBufferPointer?,
                              limit: Int, scratch: inout [UInt8],
                              chunk: String, at path: String) throws(FixtureError) -> Int {
        var stream = z_stream()
        guard chdf5_inflate_init(&stream) == Z_OK else {
            throw failure(path, .library(operation: "inflating \(chunk)", detail: "zlib could not start"))
        }
        defer { inflateEnd(&stream) }
        var total = 0
        var status = Z_OK
        raw.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(clamping: count)
            scratch.withUnsafeMutableBufferPointer { spare in
                var intoTarget = target != nil && !target!.isEmpty
                while status == Z_OK && total <= limit {
                    let out: UnsafeMutableRawBufferPointer = intoTarget
                        ? UnsafeMutableRawBufferPointer(rebasing: target![total...])
                        : UnsafeMutableRawBufferPointer(spare)
                    stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    stream.avail_out = UInt32(clamping: out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    total += out.count - Int(stream.avail_out)
                    if intoTarget && total >= target!.count { intoTarget = false }
                    if status == Z_BUF_ERROR && stream.avail_in == 0 { break }  // the stream stops short
                    if status == Z_BUF_ERROR { status = Z_OK }
                }
            }
        }
        if total > limit {
            throw failure(path, .corrupt("\(chunk) decompresses to more than the chunk's \(limit) bytes"))
        }
        guard status == Z_STREAM_END else {
            let why = status == Z_BUF_ERROR || status == Z_OK ? "the gzip stream ends early" : "the gzip stream is damaged"
            throw failure(path, .corrupt("\(chunk): \(why) (after \(total) of \(limit) bytes)"))
        }
        guard stream.avail_in == 0 else {
            throw failure(path, .corrupt("\(chunk): \(stream.avail_in) bytes follow the end of its gzip stream"))
        }
        return total
    }
}
