"""What the tests share: databases, services started in-process or as processes, fakes of
targets and sources, gRPC assertions and bounded waits. Test modules import from here, never
from one another."""
