#include "common/hcl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace dstart::common::hcl {
namespace {

using ::testing::HasSubstr;

std::string Testdata(const std::string& name) {
  return dstart::testing::SourceDir() + "/tests/common/testdata/" + name;
}

Object MustParse(std::string_view text, std::string_view file = "t.hcl") {
  auto o = Parse(text, file);
  EXPECT_TRUE(o.ok()) << o.status();
  return o.ok() ? *std::move(o) : Object();
}

std::string ErrorOf(std::string_view text) {
  auto o = Parse(text, "t.hcl");
  if (o.ok()) return "<parsed>";
  return std::string(o.status().message());
}

// --- EdgeX's SPIRE configs, as shipped -------------------------------------------------------

TEST(HclEdgex, ServerConfParsesAndDecodes) {
  auto doc = ParseFile(Testdata("server.conf"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  const Object* server = nullptr;
  ASSERT_TRUE(doc->GetObject("server", &server).ok());
  ASSERT_NE(server, nullptr);
  bool audit = false;
  int port = 0;
  std::string trust_domain, socket_path, key_type, log_level;
  std::chrono::nanoseconds x509_ttl{}, jwt_ttl{};
  ASSERT_TRUE(server->GetBool("audit_log_enabled", &audit).ok());
  ASSERT_TRUE(server->GetInt("bind_port", &port).ok());
  ASSERT_TRUE(server->GetString("trust_domain", &trust_domain).ok());
  ASSERT_TRUE(server->GetString("socket_path", &socket_path).ok());
  ASSERT_TRUE(server->GetString("ca_key_type", &key_type).ok());
  ASSERT_TRUE(server->GetString("log_level", &log_level).ok());
  ASSERT_TRUE(server->GetDuration("default_x509_svid_ttl", &x509_ttl).ok());
  ASSERT_TRUE(server->GetDuration("default_jwt_svid_ttl", &jwt_ttl).ok());
  EXPECT_TRUE(audit);
  EXPECT_EQ(port, 59840);
  EXPECT_EQ(trust_domain, "edgexfoundry.org");
  EXPECT_EQ(socket_path, "/tmp/edgex/secrets/spiffe/private/api.sock");
  EXPECT_EQ(key_type, "ec-p384");
  EXPECT_EQ(log_level, "DEBUG");
  EXPECT_EQ(x509_ttl, std::chrono::hours(1));
  EXPECT_EQ(jwt_ttl, std::chrono::minutes(5));

  const Object* subject = nullptr;
  ASSERT_TRUE(server->GetObject("ca_subject", &subject).ok());
  std::vector<std::string> country, org;
  std::string cn = "unset";
  ASSERT_TRUE(subject->GetStringList("country", &country).ok());
  ASSERT_TRUE(subject->GetStringList("organization", &org).ok());
  ASSERT_TRUE(subject->GetString("common_name", &cn).ok());
  EXPECT_EQ(country, std::vector<std::string>{"US"});
  EXPECT_EQ(org, std::vector<std::string>{"SPIFFE"});
  EXPECT_EQ(cn, "");

  EXPECT_TRUE(server
                  ->CheckKnownKeys(
                      {"audit_log_enabled", "bind_address", "bind_port", "log_file", "log_level",
                       "data_dir", "default_x509_svid_ttl", "default_jwt_svid_ttl", "ca_key_type",
                       "ca_subject", "socket_path", "trust_domain"},
                      "server")
                  .ok());

  const Object* plugins = nullptr;
  ASSERT_TRUE(doc->GetObject("plugins", &plugins).ok());
  std::vector<std::string> kinds;
  for (const Entry& e : plugins->entries()) {
    ASSERT_EQ(e.labels.size(), 1u) << e.key;
    EXPECT_TRUE(e.block);
    kinds.push_back(e.key + "/" + e.labels[0]);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"DataStore/sql", "NodeAttestor/x509pop",
                                             "KeyManager/disk", "UpstreamAuthority/disk"}));
  EXPECT_EQ(plugins->FindBlock("KeyManager", "disk"), plugins->Find("KeyManager"));
  EXPECT_EQ(plugins->FindBlock("KeyManager", "memory"), nullptr);
  const Entry* ds = plugins->Find("DataStore");
  const Object* data = nullptr;
  ASSERT_TRUE(ds->value.object().GetObject("plugin_data", &data).ok());
  std::string db, conn;
  ASSERT_TRUE(data->GetString("database_type", &db).ok());
  ASSERT_TRUE(data->GetString("connection_string", &conn).ok());
  EXPECT_EQ(db, "sqlite3");
  EXPECT_EQ(conn, "/srv/spiffe/server/datastore.sqlite3");
  EXPECT_TRUE(ds->value.object().Find("plugin_data")->block);

  const Entry* na = plugins->Find("NodeAttestor");
  std::string tmpl;
  ASSERT_TRUE(na->value.object().GetObject("plugin_data", &data).ok());
  ASSERT_TRUE(data->GetString("agent_path_template", &tmpl).ok());
  EXPECT_EQ(tmpl, "/{{ .PluginName}}/cn/{{ .Subject.CommonName }}");

  // `plugin_data = { }` and `plugin_data { }` decode alike.
  const Entry* km = plugins->Find("KeyManager");
  const Entry* km_data = km->value.object().Find("plugin_data");
  EXPECT_FALSE(km_data->block);
  ASSERT_TRUE(km->value.object().GetObject("plugin_data", &data).ok());
  std::string keys_path;
  ASSERT_TRUE(data->GetString("keys_path", &keys_path).ok());
  EXPECT_EQ(keys_path, "/srv/spiffe/server/keys.json");
  EXPECT_EQ(ToJson(km->value)["plugin_data"], nlohmann::json({{"keys_path", keys_path}}));

  // Positions point at keys, with the file name.
  EXPECT_EQ(server->Find("bind_port")->pos.ToString(), Testdata("server.conf") + ":3:5");
  EXPECT_EQ(na->pos.line, 27);
  EXPECT_EQ(na->pos.column, 2);  // after a tab
}

TEST(HclEdgex, AgentConfParsesWithRepeatedPluginBlocks) {
  auto doc = ParseFile(Testdata("agent.conf"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  const Object* agent = nullptr;
  ASSERT_TRUE(doc->GetObject("agent", &agent).ok());
  int port = 0;
  std::string addr;
  ASSERT_TRUE(agent->GetInt("server_port", &port).ok());
  ASSERT_TRUE(agent->GetString("server_address", &addr).ok());
  EXPECT_EQ(port, 59840);
  EXPECT_EQ(addr, "edgex-security-spire-server");
  const Object* plugins = nullptr;
  ASSERT_TRUE(doc->GetObject("plugins", &plugins).ok());
  auto was = plugins->FindAll("WorkloadAttestor");
  ASSERT_EQ(was.size(), 2u);
  EXPECT_EQ(was[0]->labels, std::vector<std::string>{"unix"});
  EXPECT_EQ(was[1]->labels, std::vector<std::string>{"docker"});
  const Object* unix_data = nullptr;
  ASSERT_TRUE(was[0]->value.object().GetObject("plugin_data", &unix_data).ok());
  bool discover = false;
  ASSERT_TRUE(unix_data->GetBool("discover_workload_path", &discover).ok());
  EXPECT_TRUE(discover);
  const Object* docker_data = nullptr;
  ASSERT_TRUE(was[1]->value.object().GetObject("plugin_data", &docker_data).ok());
  ASSERT_NE(docker_data, nullptr);
  EXPECT_TRUE(docker_data->empty());
  auto json = ToJson(*doc);
  EXPECT_EQ(json["plugins"]["WorkloadAttestor"]["unix"]["plugin_data"]["discover_workload_path"],
            true);
  EXPECT_TRUE(json["plugins"]["WorkloadAttestor"]["docker"]["plugin_data"].is_object());
  EXPECT_EQ(json["agent"]["server_port"], 59840);
}

// --- OpenBao ---------------------------------------------------------------------------------

TEST(HclOpenBao, ConfigParses) {
  auto doc = ParseFile(Testdata("openbao.hcl"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  bool ui = true, mlock = false;
  std::string api;
  ASSERT_TRUE(doc->GetBool("ui", &ui).ok());
  ASSERT_TRUE(doc->GetBool("disable_mlock", &mlock).ok());
  ASSERT_TRUE(doc->GetString("api_addr", &api).ok());
  EXPECT_FALSE(ui);
  EXPECT_TRUE(mlock);
  EXPECT_EQ(api, "http://edgex-secret-store:8200");
  auto listeners = doc->FindAll("listener");
  ASSERT_EQ(listeners.size(), 2u);
  EXPECT_EQ(listeners[0]->labels[0], "tcp");
  std::string addr;
  ASSERT_TRUE(listeners[0]->value.object().GetString("address", &addr).ok());
  EXPECT_EQ(addr, "0.0.0.0:8200");
  auto json = ToJson(*doc);
  EXPECT_EQ(json["storage"]["file"]["path"], "/vault/file");
  EXPECT_EQ(json["listener"]["unix"]["address"], "/tmp/openbao.sock");
  EXPECT_EQ(json["listener"]["tcp"]["disable_unauthed_generate_root_endpoints"], true);
  EXPECT_EQ(json["max_lease_ttl"], "768h");
}

TEST(HclOpenBao, PolicyBecomesTheJsonPolicyForm) {
  auto doc = ParseFile(Testdata("privileged-token-creator.hcl"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->FindAll("path").size(), 13u);
  EXPECT_TRUE(doc->CheckKnownKeys({"path"}, "policy").ok());
  auto json = ToJson(*doc);
  ASSERT_TRUE(json["path"].is_object());
  EXPECT_EQ(json["path"].size(), 13u);
  EXPECT_EQ(json["path"]["auth/token/create/*"]["capabilities"],
            nlohmann::json({"create", "update", "sudo"}));
  EXPECT_EQ(json["path"]["sys/policies/acl"]["capabilities"], nlohmann::json({"list"}));

  // The JSON form OpenBao also accepts parses to the same JSON.
  std::string as_json = json.dump();
  auto again = Parse(as_json, "policy.json");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ToJson(*again), json);
}

// --- Syntax forms ----------------------------------------------------------------------------

TEST(HclSyntax, Scalars) {
  Object o = MustParse(R"(
s = "text"
e = "a\nb\tc\"d\\e\u00e9\U0001F600\/"
i = 42
n = -7
h = 0x1F
oct = 0644
f = 1.5
nf = -0.25
x = 1e3
xf = 2.5E-2
t = true
fa = false
interp = "${var.x} and ${func("q")}"
)");
  EXPECT_EQ(o.Find("s")->value.string_value(), "text");
  EXPECT_EQ(o.Find("e")->value.string_value(), "a\nb\tc\"d\\e\xC3\xA9\xF0\x9F\x98\x80/");
  EXPECT_EQ(o.Find("i")->value.int_value(), 42);
  EXPECT_EQ(o.Find("n")->value.int_value(), -7);
  EXPECT_EQ(o.Find("h")->value.int_value(), 31);
  EXPECT_EQ(o.Find("oct")->value.int_value(), 0644);
  EXPECT_EQ(o.Find("f")->value.type(), Value::Type::kFloat);
  EXPECT_DOUBLE_EQ(o.Find("f")->value.number_value(), 1.5);
  EXPECT_DOUBLE_EQ(o.Find("nf")->value.number_value(), -0.25);
  EXPECT_DOUBLE_EQ(o.Find("x")->value.number_value(), 1000);
  EXPECT_DOUBLE_EQ(o.Find("xf")->value.number_value(), 0.025);
  EXPECT_TRUE(o.Find("t")->value.bool_value());
  EXPECT_FALSE(o.Find("fa")->value.bool_value());
  EXPECT_EQ(o.Find("interp")->value.string_value(), "${var.x} and ${func(\"q\")}");
  Object go = MustParse(R"(a = "\x41\101\'\ud83d\ude00")");
  EXPECT_EQ(go.Find("a")->value.string_value(), "AA'\xF0\x9F\x98\x80");
}

TEST(HclSyntax, BadEscapes) {
  EXPECT_EQ(ErrorOf(R"(a = "\x4")"), "t.hcl:1:6: invalid escape \\x: want 2 hex digits");
  EXPECT_EQ(ErrorOf(R"(a = "\400")"),
            "t.hcl:1:6: invalid escape: an octal escape is \\ and 3 digits up to \\377");
  EXPECT_EQ(ErrorOf(R"(a = "\12")"),
            "t.hcl:1:6: invalid escape: an octal escape is \\ and 3 digits up to \\377");
  EXPECT_EQ(ErrorOf(R"(a = "\ud83d")"), "t.hcl:1:6: invalid escape \\u: U+D83D is not a character");
  EXPECT_EQ(ErrorOf(R"(a = "\ud83d\u0041")"),
            "t.hcl:1:6: invalid escape \\u: U+D83D is not a character");
  EXPECT_EQ(ErrorOf(R"(a = "\xff")"), "t.hcl:1:5: string is not valid UTF-8");
}

TEST(HclSyntax, Heredocs) {
  Object o = MustParse(
      "a = <<EOF\nline one\n  line two\nEOF\n"
      "b = <<-EOT\n    indented\n      more\n    EOT\n"
      "c = <<EOF\nEOF\n"
      "d = <<-X\n  keep\n no\n  X\n"
      "e = <<EOF\r\nwin\r\nEOF\r\n"
      "f = <<-EOF\n  a\n\n  b\n  EOF\n");
  EXPECT_EQ(o.Find("a")->value.string_value(), "line one\n  line two\n");
  EXPECT_EQ(o.Find("b")->value.string_value(), "indented\n  more\n");
  EXPECT_EQ(o.Find("c")->value.string_value(), "");
  EXPECT_EQ(o.Find("d")->value.string_value(), "  keep\n no\n");  // not all lines share the indent
  EXPECT_EQ(o.Find("e")->value.string_value(), "win\r\n");
  // As in HCL1, an empty line lacks the indentation, so nothing is removed.
  EXPECT_EQ(o.Find("f")->value.string_value(), "  a\n\n  b\n");
  EXPECT_EQ(o.Find("b")->pos.line, 5);
}

TEST(HclSyntax, ListsAndObjects) {
  Object o = MustParse(R"(
empty = []
l = ["a", "b",]
multi = [
  1,
  2, # two
  3
]
nested = [[1, 2], ["x"], {k = "v"}]
obj = { a = 1, b = "two", c = [true] }
obj2 = {
  a = 1
  b = 2,
}
one_line { x = 1 y = 2 }
)");
  EXPECT_TRUE(o.Find("empty")->value.list().empty());
  ASSERT_EQ(o.Find("l")->value.list().size(), 2u);
  EXPECT_EQ(o.Find("multi")->value.list().size(), 3u);
  const List& nested = o.Find("nested")->value.list();
  ASSERT_EQ(nested.size(), 3u);
  EXPECT_TRUE(nested[2].is_object());
  const Object& obj = o.Find("obj")->value.object();
  EXPECT_EQ(obj.entries().size(), 3u);
  EXPECT_FALSE(o.Find("obj")->block);
  EXPECT_EQ(o.Find("obj2")->value.object().entries().size(), 2u);
  EXPECT_TRUE(o.Find("one_line")->block);
  EXPECT_EQ(o.Find("one_line")->value.object().entries().size(), 2u);
  EXPECT_EQ(ToJson(o.Find("nested")->value), nlohmann::json::parse(R"([[1,2],["x"],{"k":"v"}])"));
}

TEST(HclSyntax, BlocksWithLabels) {
  Object o = MustParse(R"(
a { }
b "one" { x = 1 }
c "one" "two" three { y = 2 }
"quoted key" = 5
path "secret/*" { capabilities = ["read"] }
path "secret/b" { capabilities = ["list"] }
)");
  EXPECT_TRUE(o.Find("a")->labels.empty());
  EXPECT_EQ(o.Find("b")->labels, std::vector<std::string>{"one"});
  EXPECT_EQ(o.Find("c")->labels, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(o.Find("quoted key")->value.int_value(), 5);
  auto json = ToJson(o);
  EXPECT_EQ(json["c"]["one"]["two"]["three"]["y"], 2);
  EXPECT_EQ(json["path"]["secret/*"]["capabilities"][0], "read");
  EXPECT_EQ(json["path"]["secret/b"]["capabilities"][0], "list");
}

TEST(HclSyntax, Comments) {
  Object o = MustParse(R"(# hash
// slashes
/* block
   comment */ a = 1 /* inline */ b = 2
c = "# not a comment // nor this /* nor this */"
d = [1, /* inside */ 2] // trailing
)");
  EXPECT_EQ(o.entries().size(), 4u);
  EXPECT_EQ(o.Find("c")->value.string_value(), "# not a comment // nor this /* nor this */");
  EXPECT_EQ(o.Find("d")->value.list().size(), 2u);
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse("# only a comment").empty());
}

TEST(HclSyntax, RepeatedScalarKeysBecomeAnArrayInJson) {
  Object o = MustParse("a = 1\na = 2\na = 3\n");
  EXPECT_EQ(ToJson(o)["a"], nlohmann::json({1, 2, 3}));
}

TEST(HclSyntax, JsonDocuments) {
  Object o = MustParse(R"({
  "path": {
    "secret/edgex/svc/*": {"capabilities": ["create", "read"]}
  },
  "n": 1.5, "b": false
})");
  ASSERT_TRUE(o.Find("path"));
  EXPECT_EQ(o.Find("path")->value.object().Find("secret/edgex/svc/*")->pos.line, 3);
  EXPECT_EQ(ToJson(o)["path"]["secret/edgex/svc/*"]["capabilities"][1], "read");
  EXPECT_DOUBLE_EQ(o.Find("n")->value.number_value(), 1.5);
  // "${" means nothing in JSON strings.
  Object j = MustParse(R"({"a": "${x", "b": "}\n"})");
  EXPECT_EQ(j.Find("a")->value.string_value(), "${x");
  EXPECT_EQ(j.Find("b")->value.string_value(), "}\n");
}

// --- Syntax errors, each with its line:column --------------------------------------------------

TEST(HclErrors, EachReportsFileLineAndColumn) {
  struct Case {
    const char* text;
    const char* want;  // the whole message
  } cases[] = {
      {"a = \"abc", "t.hcl:1:5: string not terminated: missing '\"'"},
      {"a = \"ab\ncd\"", "t.hcl:1:8: newline in string (use \\n or a heredoc)"},
      {"a = \"x\\q\"", "t.hcl:1:7: invalid escape \"\\\\q\" in string"},
      {"a = \"\\u12\"", "t.hcl:1:6: invalid escape \\u: want 4 hex digits"},
      {"a = \"\\uD800\"", "t.hcl:1:6: invalid escape \\u: U+D800 is not a character"},
      {"a = \"${x\"", "t.hcl:1:6: interpolation \"${\" not terminated"},
      {"a = \"\xFF\"", "t.hcl:1:5: string is not valid UTF-8"},
      {"a = 1\n  /* open", "t.hcl:2:3: comment not terminated: missing \"*/\""},
      {"a = <<EOF\nno end\n", "t.hcl:1:5: heredoc not terminated: missing a line \"EOF\""},
      {"a = <<EOF x\nEOF\n", "t.hcl:1:5: heredoc anchor EOF must be followed by a newline"},
      {"a = <<\nEOF\n", "t.hcl:1:5: heredoc needs an anchor after \"<<\" (as in <<EOF)"},
      {"a \"b\"", "t.hcl:1:6: a: expected '=' or '{' after the key, got end of file"},
      {"a \"b\" = 1", "t.hcl:1:7: a: a key with labels must be followed by '{', not '='"},
      {"server {\n  bind_port = SPIFFE_SERVER_PORT\n}",
       "t.hcl:2:15: bind_port: expected a value, got identifier SPIFFE_SERVER_PORT (strings need "
       "double quotes)"},
      {"a {\n  b = 1\n",
       "t.hcl:3:1: expected '}' to close the '{' at line 1, column 3, got end of file"},
      {"a = 1\n}", "t.hcl:2:1: unexpected '}' with no block open"},
      {"a = [1 2]", "t.hcl:1:8: expected ',' or ']' in the list, got number 2"},
      {"a = [1,\n",
       "t.hcl:2:1: expected ']' to close the '[' at line 1, column 5, got end of file"},
      {"a = 12abc", "t.hcl:1:5: invalid number 12abc"},
      {"a = 0x", "t.hcl:1:5: invalid number 0x"},
      {"a = 089", "t.hcl:1:5: invalid number 089"},
      {"a = 1.2.3", "t.hcl:1:5: invalid number 1.2.3"},
      {"a = 99999999999999999999", "t.hcl:1:5: number 99999999999999999999 out of range"},
      {"a = @", "t.hcl:1:5: unexpected character '@'"},
      {"a = 1 / 2", "t.hcl:1:7: unexpected character '/' (comments start with \"//\" or \"/*\")"},
      {"a: 1", "t.hcl:1:2: a: expected '=' or '{', got ':' (HCL assigns with '=')"},
      {"a = ]", "t.hcl:1:5: a: expected a value, got ']'"},
      {"a =", "t.hcl:1:4: a: expected a value, got end of file"},
      {"= 1", "t.hcl:1:1: expected a key, got '='"},
      {"a = 1\n\tb = {\n\t\tc = [x]\n\t}",
       "t.hcl:3:8: c: expected a value, got identifier x (strings need double quotes)"},
      {"{\"a\" = 1}", "t.hcl:1:6: a: expected ':', got '='"},
      {"{a: 1}", "t.hcl:1:2: expected a quoted key in JSON, got identifier a"},
      {"{\"a\": null}", "t.hcl:1:7: a: null is not supported"},
      {"{\"a\": 1} x", "t.hcl:1:10: unexpected identifier x after the JSON document"},
  };
  for (const auto& c : cases) EXPECT_EQ(ErrorOf(c.text), c.want) << c.text;
}

TEST(HclErrors, DeepNestingIsRefused) {
  std::string deep(1000, '[');
  EXPECT_THAT(ErrorOf("a = " + deep), HasSubstr("nesting too deep"));
  std::string blocks;
  for (int i = 0; i < 1000; ++i) blocks += "a {";
  EXPECT_THAT(ErrorOf(blocks), HasSubstr("nesting too deep"));
}

TEST(HclErrors, WithoutAFileNameOnlyLineAndColumn) {
  auto o = Parse("a = @");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(std::string(o.status().message()), "1:5: unexpected character '@'");
}

TEST(HclErrors, MissingFileIsNamed) {
  auto o = ParseFile("/nonexistent/server.conf");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("/nonexistent/server.conf"));
}

// --- Decoding errors --------------------------------------------------------------------------

TEST(HclDecode, TypeErrorsNameKeyAndPosition) {
  Object doc = MustParse(R"(server {
  bind_port = "abc"
  ratio = 1.5
  name = ["x"]
  on = "yes"
  ttl = "1x"
  ttl2 = 60
  list = ["a", {b = 1}]
  huge = 99999999999
  sub "label" { }
  flat = 1
}
)",
                         "server.conf");
  const Object& s = doc.Find("server")->value.object();
  int port = 1;
  EXPECT_EQ(std::string(s.GetInt("bind_port", &port).message()),
            "server.conf:2:3: bind_port: expected a number, got string \"abc\"");
  EXPECT_EQ(port, 1);
  int64_t i = 0;
  EXPECT_EQ(std::string(s.GetInt("ratio", &i).message()),
            "server.conf:3:3: ratio: expected an integer, got number 1.5");
  std::string str;
  EXPECT_EQ(std::string(s.GetString("name", &str).message()),
            "server.conf:4:3: name: expected a string, got list");
  bool b = false;
  EXPECT_EQ(std::string(s.GetBool("on", &b).message()),
            "server.conf:5:3: on: expected a bool, got string \"yes\"");
  std::chrono::nanoseconds d{};
  EXPECT_EQ(std::string(s.GetDuration("ttl", &d).message()),
            "server.conf:6:3: ttl: invalid duration \"1x\": unknown unit \"x\"");
  EXPECT_EQ(std::string(s.GetDuration("ttl2", &d).message()),
            "server.conf:7:3: ttl2: expected a duration string such as \"1h\", got number 60");
  std::vector<std::string> l;
  EXPECT_EQ(std::string(s.GetStringList("list", &l).message()),
            "server.conf:8:16: list[1]: expected a string, got object");
  EXPECT_EQ(std::string(s.GetStringList("bind_port", &l).message()), "");  // one string is a list
  EXPECT_EQ(l, std::vector<std::string>{"abc"});
  EXPECT_EQ(std::string(s.GetStringList("flat", &l).message()),
            "server.conf:11:3: flat: expected a list of strings, got number 1");
  EXPECT_EQ(std::string(s.GetInt("huge", &port).message()),
            "server.conf:9:3: huge: 99999999999 is out of range");
  const Object* sub = nullptr;
  EXPECT_EQ(std::string(s.GetObject("sub", &sub).message()),
            "server.conf:10:3: sub: expected a block without labels, got 1 label(s)");
  EXPECT_EQ(std::string(s.GetObject("flat", &sub).message()),
            "server.conf:11:3: flat: expected a block, got number 1");
  double dd = 0;
  EXPECT_EQ(std::string(s.GetDouble("name", &dd).message()),
            "server.conf:4:3: name: expected a number, got list");
}

TEST(HclDecode, LenientConversionsAsHcl1) {
  Object o = MustParse("port = \"8081\"\nmode = \"0644\"\nname = 12\nf = 2\nfs = \"2.5\"\n");
  int port = 0;
  ASSERT_TRUE(o.GetInt("port", &port).ok());
  EXPECT_EQ(port, 8081);
  int64_t mode = 0;
  ASSERT_TRUE(o.GetInt("mode", &mode).ok());
  EXPECT_EQ(mode, 0644);
  std::string name;
  ASSERT_TRUE(o.GetString("name", &name).ok());
  EXPECT_EQ(name, "12");
  double f = 0;
  ASSERT_TRUE(o.GetDouble("f", &f).ok());
  EXPECT_EQ(f, 2.0);
  ASSERT_TRUE(o.GetDouble("fs", &f).ok());
  EXPECT_EQ(f, 2.5);
}

TEST(HclDecode, AbsentKeysLeaveDefaults) {
  Object o = MustParse("a = 1");
  std::string s = "default";
  int i = 7;
  bool b = true;
  const Object* obj = nullptr;
  std::vector<std::string> l = {"x"};
  EXPECT_TRUE(o.GetString("missing", &s).ok());
  EXPECT_TRUE(o.GetInt("missing", &i).ok());
  EXPECT_TRUE(o.GetBool("missing", &b).ok());
  EXPECT_TRUE(o.GetObject("missing", &obj).ok());
  EXPECT_TRUE(o.GetStringList("missing", &l).ok());
  EXPECT_EQ(s, "default");
  EXPECT_EQ(i, 7);
  EXPECT_TRUE(b);
  EXPECT_EQ(obj, nullptr);
  EXPECT_EQ(l, std::vector<std::string>{"x"});
}

TEST(HclDecode, DuplicateAttributesAreRefused) {
  Object o = MustParse("a = 1\nb = 2\n  a = 3\n", "x.conf");
  int a = 0;
  EXPECT_EQ(std::string(o.GetInt("a", &a).message()),
            "x.conf:3:3: a: set more than once (first at line 1, column 1)");
}

TEST(HclDecode, RequireAndUnknownKeys) {
  Object doc = MustParse("server {\n  bind_port = 1\n  trust_domian = \"x\"\n  colour = 2\n}\n",
                         "server.conf");
  const Object& s = doc.Find("server")->value.object();
  EXPECT_TRUE(s.Require("bind_port", "server").ok());
  EXPECT_EQ(std::string(s.Require("trust_domain", "server").message()),
            "server.conf:1:8: server: missing required key \"trust_domain\"");
  auto unknown = s.UnknownKeys({"bind_port", "trust_domain"});
  ASSERT_EQ(unknown.size(), 2u);
  EXPECT_EQ(unknown[0]->key, "trust_domian");
  EXPECT_EQ(unknown[0]->pos.line, 3);
  EXPECT_EQ(std::string(s.CheckKnownKeys({"bind_port", "trust_domain"}, "server").message()),
            "server.conf:3:3: unknown key \"trust_domian\" in server; "
            "server.conf:4:3: unknown key \"colour\" in server");
  std::vector<std::string> known = {"bind_port", "trust_domian", "colour"};
  EXPECT_TRUE(s.CheckKnownKeys(known, "server").ok());
  EXPECT_TRUE(s.UnknownKeys(known).empty());
}

TEST(HclDecode, EntryErrorHelper) {
  Object o = MustParse("\n   key = 1", "f.hcl");
  absl::Status s = o.Find("key")->Error("must be even");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(s.message()), "f.hcl:2:4: key: must be even");
}

}  // namespace
}  // namespace dstart::common::hcl
