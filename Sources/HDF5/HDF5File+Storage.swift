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

    /// Inflates every gzip-compressed chunk of a chunked dataset once, counting, without keeping
    /// its bytes: each stream must end, give exactly the chunk's size and use all its bytes
    /// (HDF5 1.10.8 passes a short stream on as a chunk whose tail is left uninitialised, and a
    /// stream that inflates past the chunk is a bomb). Chunks written without the deflate
    /// filter (its bit set in the chunk's filter mask) must be stored at exactly their size.
    ///
    /// Cost: one extra inflate of the data, with a fixed 256 KiB buffer.
    /// Errors: `.corrupt` naming the chunk and what its stream gives, `.library`.
    func verifyChunks(_ dataset: borrowing Handle, elementSize: Int, at path: String) throws(FixtureError) {
        let creation = Handle(H5Dget_create_plist(dataset.id), close: H5Pclose)
        guard creation.id >= 0 else { throw libraryFailure(path, "reading the storage layout") }
        guard H5Pget_layout(creation.id) == H5D_CHUNKED else { return }
        let ids = try filters(creation, at: path)
        guard let deflateIndex = ids.firstIndex(of: H5Z_FILTER_DEFLATE) else { return }
        let fletcherIndex = ids.firstIndex(of: H5Z_FILTER_FLETCHER32)
        let space = Handle(H5Dget_space(dataset.id), close: H5Sclose)
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard space.id >= 0, rank > 0 else { return }
        var chunkDims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Pget_chunk(creation.id, rank, &chunkDims) == rank else {
            throw libraryFailure(path, "reading the chunk shape")
        }
        var chunkBytes = elementSize
        for extent in chunkDims {
            let (product, overflow) = chunkBytes.multipliedReportingOverflow(by: Int(clamping: extent))
            guard !overflow else { throw failure(path, .corrupt("chunk shape \(chunkDims) overflows")) }
            chunkBytes = product
        }
        var chunkCount: hsize_t = 0
        guard H5Dget_num_chunks(dataset.id, space.id, &chunkCount) >= 0 else {
            throw libraryFailure(path, "counting the chunks")
        }
        var scratch = [UInt8](repeating: 0, count: 1 << 18)
        var raw: [UInt8] = []
        for index in 0..<chunkCount {
            var offset = [hsize_t](repeating: 0, count: Int(rank))
            var mask: UInt32 = 0
            var address: haddr_t = 0
            var size: hsize_t = 0
            guard H5Dget_chunk_info(dataset.id, space.id, index, &offset, &mask, &address, &size) >= 0 else {
                throw libraryFailure(path, "reading the chunk index")
            }
            let chunk = "the chunk at \(offset)"
            guard size <= hsize_t(Int.max), Int(size) <= chunkBytes + chunkBytes / 100 + 1 << 20 else {
                throw failure(path, .corrupt("\(chunk) stores \(size) bytes for a chunk of \(chunkBytes)"))
            }
            raw = [UInt8](repeating: 0, count: Int(size))
            var readMask = mask
            guard H5Dread_chunk(dataset.id, chdf5_p_default(), offset, &readMask, &raw) >= 0 else {
                throw libraryFailure(path, "reading \(chunk)")
            }
            var stored = raw.count
            if let fletcherIndex, mask & (1 << UInt32(fletcherIndex)) == 0 {
                guard stored >= 4 else { throw failure(path, .corrupt("\(chunk) is shorter than its checksum")) }
                stored -= 4
            }
            if mask & (1 << UInt32(deflateIndex)) != 0 {
                guard stored == chunkBytes else {
                    throw failure(path, .corrupt("\(chunk) stores \(stored) bytes uncompressed, the chunk holds \(chunkBytes)"))
                }
                continue
            }
            let inflated = try inflatedSize(raw, count: stored, limit: chunkBytes, scratch: &scratch, chunk: chunk, at: path)
            guard inflated == chunkBytes else {
                throw failure(path, .corrupt("\(chunk) decompresses to \(inflated) bytes, the chunk holds \(chunkBytes)"))
            }
        }
    }

    /// The number of bytes the zlib stream in `raw[0..<count]` inflates to, stopping as soon as it
    /// exceeds `limit`; the stream must end and use all `count` bytes.
    private func inflatedSize(_ raw: [UInt8], count: Int, limit: Int, scratch: inout [UInt8],
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
            scratch.withUnsafeMutableBufferPointer { output in
                while status == Z_OK && total <= limit {
                    stream.next_out = output.baseAddress
                    stream.avail_out = UInt32(output.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    total += output.count - Int(stream.avail_out)
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
