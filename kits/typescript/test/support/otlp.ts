/**
 * A minimal OTLP/gRPC trace receiver for tests: `TraceService/Export` on a real socket,
 * collecting each span's name, ids, parent and its resource's `service.name`. It decodes just
 * those fields of the OTLP protobuf (opentelemetry/proto/trace/v1/trace.proto) and skips the
 * rest.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";

/** One received span. */
export interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Reads the length-delimited fields of a message: calls `field(no, reader)` for each
 * length-delimited field, skips the others. */
function fields(bytes: Uint8Array, field: (no: number, value: Uint8Array) => void): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (type === WireType.LengthDelimited) field(no, reader.bytes());
    else reader.skip(type, no);
  }
}

function serviceName(resource: Uint8Array): string {
  let name = "";
  fields(resource, (no, keyValue) => {
    if (no !== 1) return;
    let key = "";
    let value = "";
    fields(keyValue, (n, v) => {
      if (n === 1) key = Buffer.from(v).toString();
      if (n === 2) fields(v, (m, s) => (m === 1 ? (value = Buffer.from(s).toString()) : undefined));
    });
    if (key === "service.name") name = value;
  });
  return name;
}

/** Decodes an ExportTraceServiceRequest. */
export function decodeSpans(request: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  fields(request, (no, resourceSpans) => {
    if (no !== 1) return;
    let service = "";
    const raw: Uint8Array[] = [];
    fields(resourceSpans, (n, value) => {
      if (n === 1) service = serviceName(value);
      if (n === 2) fields(value, (m, span) => (m === 2 ? raw.push(span) : undefined));
    });
    for (const bytes of raw) {
      const span: ReceivedSpan = { service, name: "", traceId: "", spanId: "", parentSpanId: "" };
      fields(bytes, (n, value) => {
        if (n === 1) span.traceId = hex(value);
        if (n === 2) span.spanId = hex(value);
        if (n === 4) span.parentSpanId = hex(value);
        if (n === 5) span.name = Buffer.from(value).toString();
      });
      spans.push(span);
    }
  });
  return spans;
}

/** A running receiver. */
export class OtlpReceiver {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** Every span received so far. */
    readonly spans: ReceivedSpan[],
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const server = new Server();
    const identity = (value: Buffer) => value;
    const spans: ReceivedSpan[] = [];
    server.addService(
      {
        Export: {
          path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      },
      {
        Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
          spans.push(...decodeSpans(call.request));
          callback(null, Buffer.alloc(0));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    return new OtlpReceiver(server, port, spans);
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
