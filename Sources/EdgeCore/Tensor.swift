/// A dense float tensor in row-major (C) order; batches are NCHW.
public struct Tensor: Equatable, Sendable {
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// The elements, `shape` product of them.
    public var data: [Float]

    /// A tensor of zeros. `shape` must have a representable product (callers validate).
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: ShapeMath.product(shape) ?? 0)
    }

    /// Wraps existing storage; the element count must match the shape.
    public init(shape: [Int], data: [Float]) {
        precondition(ShapeMath.product(shape) == data.count, "tensor shape \(shape) does not match \(data.count) elements")
        self.shape = shape
        self.data = data
    }

    /// Number of elements.
    public var count: Int { data.count }
}
