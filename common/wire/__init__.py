"""The gRPC wire between services: channels, protobuf conversions and rich errors."""
