/// Output sizes and explicit pads of sliding windows, checked: every function returns nil
/// instead of a size ≤ 0 or an overflow.
enum WindowMath {
    /// TensorFlow's SAME: out = ⌈n / s⌉, total pad = max((out − 1)·s + k − n, 0), the extra
    /// pixel of an odd total going after (bottom/right). Returns (out, before, after).
    static func same(size n: Int, kernel k: Int, stride s: Int) -> (out: Int, before: Int, after: Int)? {
        guard n > 0, k > 0, s > 0 else { return nil }
        let out = (n + s - 1) / s
        let total = max((out - 1) * s + k - n, 0)
        return (out, total / 2, total - total / 2)
    }

    /// Output size with explicit pads: ⌊(n + before + after − k) / s⌋ + 1, nil when < 1.
    static func explicit(size n: Int, kernel k: Int, stride s: Int, before: Int, after: Int) -> Int? {
        guard n > 0, k > 0, s > 0, before >= 0, after >= 0 else { return nil }
        let span = n + before + after - k
        guard span >= 0 else { return nil }
        return span / s + 1
    }

    /// ONNX auto_pad SAME_UPPER (extra pad after, as TensorFlow) or SAME_LOWER (extra before).
    static func onnxSame(size n: Int, kernel k: Int, stride s: Int, upper: Bool) -> (out: Int, before: Int, after: Int)? {
        guard let r = same(size: n, kernel: k, stride: s) else { return nil }
        return upper ? r : (r.out, r.after, r.before)
    }
}
