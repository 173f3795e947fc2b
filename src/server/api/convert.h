// Conversions between the server's types and the generated API messages. Included only by .cc
// files of the API and CLI layers.
#ifndef DSTART_SERVER_API_CONVERT_H_
#define DSTART_SERVER_API_CONVERT_H_

#include "absl/status/status.h"
#include "dstart/server/v1/server.pb.h"
#include "grpcpp/support/status.h"
#include "server/types.h"

namespace dstart::server::api {

namespace pb = ::dstart::server::v1;

void ToProto(const Entry& in, pb::Entry* out);
Entry FromProto(const pb::Entry& in);
void ToProto(const AttestedNode& in, pb::Agent* out);
AttestedNode FromProto(const pb::Agent& in);
EntryFilter FromProto(const pb::EntryFilter& in);
void ToProto(const EntryFilter& in, pb::EntryFilter* out);
AgentFilter FromProto(const pb::AgentFilter& in);
void ToProto(const AgentFilter& in, pb::AgentFilter* out);
void ToProto(const absl::Status& in, pb::Status* out);
absl::Status FromProto(const pb::Status& in);

grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

// Go's codes.Code.String() names: "OK", "AlreadyExists", "InvalidArgument", ...
const char* GrpcCodeName(int code);

}  // namespace dstart::server::api

#endif  // DSTART_SERVER_API_CONVERT_H_
