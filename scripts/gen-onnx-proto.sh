#!/usr/bin/env bash
# Regenerates Sources/EdgeImport/ONNX/onnx.pb.swift from Protos/onnx.proto3 (copied from
# onnx/onnx's onnx/onnx.proto3). Run only when the proto changes: the generated file is
# committed so that normal builds never need protoc or the plugin.
#   needs: Debian's protobuf-compiler (protoc) and protoc-gen-swift built from the same
#   swift-protobuf version the package depends on (1.39.0):
#     git clone /opt/swift-packages/apple/swift-protobuf.git /tmp/swift-protobuf
#     git -C /tmp/swift-protobuf checkout 1.39.0
#     (cd /tmp/swift-protobuf && nice -n 10 swift build --product protoc-gen-swift)
#   usage: PROTOC_GEN_SWIFT=/tmp/swift-protobuf/.build/debug/protoc-gen-swift scripts/gen-onnx-proto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PLUGIN=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
[ -x "$PLUGIN" ] || { echo "protoc-gen-swift not found: set PROTOC_GEN_SWIFT" >&2; exit 2; }
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 2; }
# Internal visibility: the generated types are an implementation detail of EdgeImport.
protoc --plugin=protoc-gen-swift="$PLUGIN" --proto_path=Protos \
  --swift_opt=Visibility=Internal --swift_out=Sources/EdgeImport/ONNX Protos/onnx.proto3
mv Sources/EdgeImport/ONNX/onnx.pb.swift Sources/EdgeImport/ONNX/ONNXProto.pb.swift
echo "wrote Sources/EdgeImport/ONNX/ONNXProto.pb.swift"
