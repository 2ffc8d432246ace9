/// The architectures the trainer builds.
public enum Architecture: String, CaseIterable, Sendable {
    /// LeNet-5: conv 6@5×5 pad 2, max-pool 2, conv 16@5×5, max-pool 2, FC 120-84-classes, ReLU.
    case lenet5
    /// A small ResNet: stem conv 16@3×3 + BN, then three basic blocks of 16/32/64 channels
    /// (stride 1/2/2, projection shortcuts where the shape changes), global average pool, FC.
    case resnet8

    /// The graph for `input` [C, H, W] and `classes` outputs.
    public func graph(input: [Int], classes: Int) -> Graph {
        switch self {
        case .lenet5: return Self.lenet5(input: input, classes: classes)
        case .resnet8: return Self.resnet8(input: input, classes: classes)
        }
    }

    private static func lenet5(input: [Int], classes: Int) -> Graph {
        var g = GraphBuilder()
        var x = g.add(.conv2d(outChannels: 6, kernel: 5, stride: 1, padding: 2), [0], "conv1")
        x = g.add(.relu, [x], "relu1")
        x = g.add(.maxPool(kernel: 2, stride: 2), [x], "pool1")
        x = g.add(.conv2d(outChannels: 16, kernel: 5, stride: 1, padding: 0), [x], "conv2")
        x = g.add(.relu, [x], "relu2")
        x = g.add(.maxPool(kernel: 2, stride: 2), [x], "pool2")
        x = g.add(.flatten, [x], "flatten")
        x = g.add(.dense(outFeatures: 120), [x], "fc1")
        x = g.add(.relu, [x], "relu3")
        x = g.add(.dense(outFeatures: 84), [x], "fc2")
        x = g.add(.relu, [x], "relu4")
        _ = g.add(.dense(outFeatures: classes), [x], "fc3")
        return Graph(inputShape: input, nodes: g.nodes)
    }

    private static func resnet8(input: [Int], classes: Int) -> Graph {
        var g = GraphBuilder()
        var x = g.add(.conv2d(outChannels: 16, kernel: 3, stride: 1, padding: 1), [0], "stem.conv")
        x = g.add(.batchNorm(epsilon: 1e-5), [x], "stem.bn")
        x = g.add(.relu, [x], "stem.relu")
        var channels = 16
        for (s, (width, stride)) in [(16, 1), (32, 2), (64, 2)].enumerated() {
            let p = "stage\(s + 1)"
            var y = g.add(.conv2d(outChannels: width, kernel: 3, stride: stride, padding: 1), [x], "\(p).conv1")
            y = g.add(.batchNorm(epsilon: 1e-5), [y], "\(p).bn1")
            y = g.add(.relu, [y], "\(p).relu1")
            y = g.add(.conv2d(outChannels: width, kernel: 3, stride: 1, padding: 1), [y], "\(p).conv2")
            y = g.add(.batchNorm(epsilon: 1e-5), [y], "\(p).bn2")
            var shortcut = x
            if stride != 1 || width != channels {
                shortcut = g.add(.conv2d(outChannels: width, kernel: 1, stride: stride, padding: 0), [x], "\(p).proj")
                shortcut = g.add(.batchNorm(epsilon: 1e-5), [shortcut], "\(p).proj_bn")
            }
            y = g.add(.add, [y, shortcut], "\(p).add")
            x = g.add(.relu, [y], "\(p).relu2")
            channels = width
        }
        x = g.add(.globalAvgPool, [x], "gap")
        _ = g.add(.dense(outFeatures: classes), [x], "fc")
        return Graph(inputShape: input, nodes: g.nodes)
    }
}

/// Appends nodes and hands back their indices.
struct GraphBuilder {
    var nodes: [Node] = [Node(.input, [], name: "input")]

    mutating func add(_ op: Op, _ inputs: [Int], _ name: String) -> Int {
        nodes.append(Node(op, inputs, name: name))
        return nodes.count - 1
    }
}
