import { credentials, loadPackageDefinition } from "@grpc/grpc-js";
import type { ChannelCredentials, Client, ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";

/** A dynamically loaded client: its methods are known by name only. */
export type ProtoFileClient = Client & Record<string, (...args: unknown[]) => unknown>;

type ClientConstructor = new (address: string, creds: ChannelCredentials) => Client;

/** A client of a service loaded from a .proto file, as grpcurl or a probe calls it. */
export function protoFileClient(
  protoFile: string,
  serviceName: string,
  address: string,
  channel: ChannelCredentials = credentials.createInsecure(),
): ProtoFileClient {
  const key = `${protoFile}#${serviceName}`;
  let Service = loadedServices.get(key);
  if (!Service) {
    const definition = loadPackageDefinition(loadSync(protoFile, { keepCase: true, enums: String }));
    Service = serviceName.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], definition) as ClientConstructor;
    loadedServices.set(key, Service);
  }
  return new Service(address, channel) as ProtoFileClient;
}
const loadedServices = new Map<string, ClientConstructor>();

/** grpc.health.v1.Health/Check of `service` ("" for the whole server): its status name. */
export function healthStatus(address: string, service: string, timeoutMs = 2_000, channel?: ChannelCredentials): Promise<string> {
  const client = protoFileClient(healthProtoPath, "grpc.health.v1.Health", address, channel);
  return new Promise((resolve, reject) => {
    client.Check!({ service }, { deadline: Date.now() + timeoutMs }, (error: ServiceError | null, response: { status: string }) => {
      client.close();
      if (error) reject(error);
      else resolve(response.status);
    });
  });
}

/** Resolves when the server at `address` reports `service` SERVING; rejects otherwise. */
export async function expectServing(address: string, service: string, channel?: ChannelCredentials): Promise<void> {
  const status = await healthStatus(address, service, 2_000, channel);
  if (status !== "SERVING") throw new Error(`${service || "the server"} at ${address} is ${status}`);
}
