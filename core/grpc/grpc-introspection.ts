import type { Server } from "@grpc/grpc-js";
import { toBinary } from "@bufbuild/protobuf";
import type { DescFile } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { servicesOf } from "./grpc-service.js";

/** The health of a gRPC server as grpc.health.v1 reports it. */
export interface GrpcHealth {
  /** Reports every service (and the server, service "") as serving or not. */
  setServing(serving: boolean): void;
}

/** The name grpc.health.v1 gives the whole server. */
const WHOLE_SERVER = "";

/**
 * Adds grpc.health.v1.Health and server reflection (v1 and v1alpha) to a server, covering the
 * services already added with addGrpcService, so grpcurl and Kubernetes gRPC probes work.
 * Every service starts SERVING.
 */
export function addHealthAndReflection(server: Server): GrpcHealth {
  const services = [...servicesOf(server)];
  const names = [WHOLE_SERVER, ...services.map((service) => service.typeName)];
  const health = new HealthImplementation(Object.fromEntries(names.map((name) => [name, "SERVING" as const])));
  health.addToServer(server);
  // Reflection describes the health service from gRPC's own health.proto (in proto/grpc/), the
  // file grpcurl and buf curl know, so they can describe it as well as list it.
  new ReflectionService(reflectionDefinition([...services, Health])).addToServer(server);
  return {
    setServing(serving) {
      for (const name of names) health.setStatus(name, serving ? "SERVING" : "NOT_SERVING");
    },
  };
}

/**
 * What @grpc/reflection reads from a proto-loader package definition: per service, the encoded
 * descriptors of its file and every file that file imports.
 */
function reflectionDefinition(services: readonly GenService<GenServiceMethods>[]): PackageDefinition {
  const definition: Record<string, { format: string; type: object; fileDescriptorProtos: Buffer[] }> = {};
  for (const service of services) {
    const files = new Map<string, DescFile>();
    const collect = (file: DescFile) => {
      if (files.has(file.name)) return;
      files.set(file.name, file);
      file.dependencies.forEach(collect);
    };
    collect(service.file);
    const fileDescriptorProtos = [...files.values()].map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
    definition[service.typeName] = { format: "Protocol Buffer 3 FileDescriptorProto", type: {}, fileDescriptorProtos };
  }
  return definition as unknown as PackageDefinition;
}
