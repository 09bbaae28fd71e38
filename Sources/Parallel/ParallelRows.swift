// Module Parallel: the one parallel-rows helper of the modules above FP8. Work over rows (or
// elements, or columns) split into chunks and run on every core, each chunk writing only its
// own elements of one, two or three output arrays; the result never depends on the number of
// threads. Built on FP8's `forEachChunkConcurrently` (the chunking rule) and `DisjointWrites`.
// A loop that fills an array row by row on every core calls `forEachChunk(...writing:)` here
// instead of nesting buffer pointers itself.
import FP8

/// Runs `body` on each chunk of `0..<count` (chunks of `chunk`), on every core, or, with
/// `concurrently: false`, once over the whole range on the calling thread (the result is the
/// same). `body` gets the chunk and the storage of `array`, and writes only the elements that
/// belong to its chunk (callers index globally).
///
/// Preconditions: the elements written by different chunks are disjoint.
public func forEachChunk<A>(count: Int, chunk: Int, concurrently: Bool = true, writing array: inout [A],
                            _ body: @Sendable (Range<Int>, UnsafeMutableBufferPointer<A>) -> Void) {
    array.withUnsafeMutableBufferPointer { forEachChunk(count: count, chunk: chunk, concurrently: concurrently, writing: $0, body) }
}

/// `forEachChunk` writing a buffer (one not yet initialised, for instance).
public func forEachChunk<A>(count: Int, chunk: Int, concurrently: Bool = true, writing buffer: UnsafeMutableBufferPointer<A>,
                            _ body: @Sendable (Range<Int>, UnsafeMutableBufferPointer<A>) -> Void) {
    let writes = DisjointWrites(buffer)
    run(count: count, chunk: chunk, concurrently: concurrently) { body($0, writes.buffer) }
}

/// `forEachChunk` writing two arrays.
public func forEachChunk<A, B>(count: Int, chunk: Int, concurrently: Bool = true,
                               writing first: inout [A], _ second: inout [B],
                               _ body: @Sendable (Range<Int>, UnsafeMutableBufferPointer<A>, UnsafeMutableBufferPointer<B>) -> Void) {
    first.withUnsafeMutableBufferPointer { a in
        second.withUnsafeMutableBufferPointer { b in
            let (wa, wb) = (DisjointWrites(a), DisjointWrites(b))
            run(count: count, chunk: chunk, concurrently: concurrently) { body($0, wa.buffer, wb.buffer) }
        }
    }
}

/// `forEachChunk` writing three arrays.
public func forEachChunk<A, B, C>(count: Int, chunk: Int, concurrently: Bool = true,
                                  writing first: inout [A], _ second: inout [B], _ third: inout [C],
                                  _ body: @Sendable (Range<Int>, UnsafeMutableBufferPointer<A>, UnsafeMutableBufferPointer<B>,
                                                     UnsafeMutableBufferPointer<C>) -> Void) {
    first.withUnsafeMutableBufferPointer { a in
        second.withUnsafeMutableBufferPointer { b in
            third.withUnsafeMutableBufferPointer { c in
                let (wa, wb, wc) = (DisjointWrites(a), DisjointWrites(b), DisjointWrites(c))
                run(count: count, chunk: chunk, concurrently: concurrently) { body($0, wa.buffer, wb.buffer, wc.buffer) }
            }
        }
    }
}

/// The chunks on every core, or the whole range on this thread.
private func run(count: Int, chunk: Int, concurrently: Bool, _ body: @Sendable (Range<Int>) -> Void) {
    if concurrently { forEachChunkConcurrently(count: count, chunk: max(chunk, 1), body) } else if count > 0 { body(0..<count) }
}
