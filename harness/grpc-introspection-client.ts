import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { dirname, join } from "node:path";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { protoFileClient } from "../core/grpc/health-client.js";
import { PROJECT_ROOT } from "./project-root.js";

const run = promisify(execFile);

export { healthStatus } from "../core/grpc/health-client.js";

const reflectionProto = join(
  dirname(createRequire(import.meta.url).resolve("@grpc/reflection")),
  "..",
  "proto",
  "grpc",
  "reflection",
  "v1",
  "reflection.proto",
);

/** One request of grpc.reflection.v1.ServerReflection/ServerReflectionInfo, and its answer. */
function reflect(
  address: string,
  request: Record<string, string>,
): Promise<Record<string, { service?: { name: string }[]; file_descriptor_proto?: Buffer[] }>> {
  const client = protoFileClient(reflectionProto, "grpc.reflection.v1.ServerReflection", address);
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo!() as ClientDuplexStream<object, Record<string, never>>;
    call.on("data", (response) => {
      call.end();
      client.close();
      resolve(response);
    });
    call.on("error", reject);
    call.write(request);
  });
}

/** The services reflection lists, as `grpcurl list` shows them. */
export async function reflectedServices(address: string): Promise<string[]> {
  const response = await reflect(address, { list_services: "" });
  return (response.list_services_response?.service ?? []).map((service) => service.name).sort();
}

/** The methods of a service as reflection describes it, as `grpcurl describe` shows them. */
export async function reflectedMethods(address: string, serviceName: string): Promise<string[]> {
  const response = await reflect(address, { file_containing_symbol: serviceName });
  const files = (response.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  const packageOf = serviceName.slice(0, serviceName.lastIndexOf("."));
  const service = files
    .filter((file) => file.package === packageOf)
    .flatMap((file) => file.service)
    .find((s) => `${packageOf}.${s.name}` === serviceName);
  return (service?.method ?? []).map((method) => method.name).sort();
}

/**
 * The methods a third-party client finds by reflection: `buf curl --list-methods`, which, like
 * `grpcurl describe`, must resolve every listed service's descriptors, not just its name.
 */
export async function bufCurlMethods(address: string): Promise<string[]> {
  const { stdout } = await run(
    join(PROJECT_ROOT, "node_modules", ".bin", "buf"),
    ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-methods", `http://${address}`],
    {
      timeout: 60_000,
    },
  );
  return stdout.split("\n").filter(Boolean).sort();
}
