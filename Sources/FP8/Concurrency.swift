import Dispatch

/// A buffer handed to several threads that each write a disjoint part of it.
///
/// Preconditions: the caller guarantees the parts do not overlap and the buffer outlives the work.
public struct DisjointWrites<Element>: @unchecked Sendable {
    public let buffer: UnsafeMutableBufferPointer<Element>
    public init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
    public func slice(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(rebasing: buffer[range])
    }
}

/// A read-only buffer shared by several threads.
public struct SharedReads<Element>: @unchecked Sendable {
    public let buffer: UnsafeBufferPointer<Element>
    public init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
    public func slice(_ range: Range<Int>) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(rebasing: buffer[range])
    }
}

/// Splits `0..<count` into chunks of `chunk` and runs `body` on each, on every core.
public func forEachChunkConcurrently(count: Int, chunk: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let chunks = (count + chunk - 1) / chunk
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        body(c * chunk..<min(count, (c + 1) * chunk))
    }
}

/// Runs `body` on each chunk of `0..<count` (chunks of `chunk`), on every core, and returns
/// the chunks' results in chunk order, so that merging them gives the same result whatever
/// the number of threads.
public func mapChunksConcurrently<T: Sendable>(count: Int, chunk: Int, _ body: @Sendable (Range<Int>) -> T) -> [T] {
    let chunk = max(chunk, 1)
    let chunks = (count + chunk - 1) / chunk
    var results = [T?](repeating: nil, count: chunks)
    results.withUnsafeMutableBufferPointer { out in
        let writes = DisjointWrites(out)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            writes.buffer[c] = body(c * chunk..<min(count, (c + 1) * chunk))
        }
    }
    return results.map { $0! }
}
