#include <gtest/gtest.h>

#include "server/datastore/datastore.h"
#include "support/process.h"

namespace dstart::server::datastore {
namespace {

using dstart::testing::TempDir;

Entry MakeEntry(const std::string& path, std::vector<Selector> sels) {
  Entry e;
  e.spiffe_id = "spiffe://example.org" + path;
  e.parent_id = "spiffe://example.org/spire/agent/x509pop/cn/agent0";
  e.selectors = std::move(sels);
  return e;
}

class DataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ds = OpenSqlite((dir_ / "ds.sqlite3").string());
    ASSERT_TRUE(ds.ok()) << ds.status();
    ds_ = std::move(*ds);
  }
  TempDir dir_;
  std::unique_ptr<DataStore> ds_;
};

TEST_F(DataStoreTest, CreateAssignsIdAndFetchReturnsEveryField) {
  Entry e = MakeEntry("/svc", {{"unix", "uid:1000"}, {"docker", "label:a:b"}});
  e.x509_svid_ttl = 60;
  e.jwt_svid_ttl = 30;
  e.admin = true;
  e.downstream = true;
  e.expires_at = 4000000000;
  e.dns_names = {"b.example", "a.example"};
  e.store_svid = true;
  e.hint = "h";
  auto r = ds_->CreateEntries({e});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  ASSERT_TRUE((*r)[0].status.ok());
  const Entry& stored = (*r)[0].entry;
  EXPECT_EQ(stored.id.size(), 36u);
  EXPECT_GT(stored.created_at, 0);
  auto got = ds_->FetchEntry(stored.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->dns_names, (std::vector<std::string>{"b.example", "a.example"}));
  EXPECT_EQ(got->selectors.size(), 2u);
  EXPECT_EQ(got->x509_svid_ttl, 60);
  EXPECT_EQ(got->jwt_svid_ttl, 30);
  EXPECT_TRUE(got->admin && got->downstream && got->store_svid);
  EXPECT_EQ(got->expires_at, 4000000000);
  EXPECT_EQ(got->hint, "h");
}

TEST_F(DataStoreTest, SimilarEntryIsAlreadyExistsWithTheExistingEntry) {
  auto first = ds_->CreateEntries({MakeEntry("/a", {{"t", "1"}, {"t", "2"}})});
  ASSERT_TRUE(first.ok());
  // Same set in another order, other fields differ: still similar.
  Entry again = MakeEntry("/a", {{"t", "2"}, {"t", "1"}});
  again.x509_svid_ttl = 99;
  again.dns_names = {"x"};
  auto second = ds_->CreateEntries({again});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(absl::IsAlreadyExists((*second)[0].status));
  EXPECT_EQ((*second)[0].status.message(), "similar entry already exists");
  EXPECT_EQ((*second)[0].entry.id, (*first)[0].entry.id);
  // A subset or superset of selectors is not similar.
  auto subset = ds_->CreateEntries({MakeEntry("/a", {{"t", "1"}})});
  EXPECT_TRUE((*subset)[0].status.ok());
  auto superset = ds_->CreateEntries({MakeEntry("/a", {{"t", "1"}, {"t", "2"}, {"t", "3"}})});
  EXPECT_TRUE((*superset)[0].status.ok());
  // Inside one batch the second copy sees the first.
  auto batch = ds_->CreateEntries({MakeEntry("/b", {{"t", "1"}}), MakeEntry("/b", {{"t", "1"}})});
  EXPECT_TRUE((*batch)[0].status.ok());
  EXPECT_TRUE(absl::IsAlreadyExists((*batch)[1].status));
}

TEST_F(DataStoreTest, DuplicateUserEntryIdIsAlreadyExists) {
  Entry a = MakeEntry("/a", {{"t", "1"}});
  a.id = "my-id";
  Entry b = MakeEntry("/b", {{"t", "1"}});
  b.id = "my-id";
  auto r = ds_->CreateEntries({a, b});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].status.ok());
  EXPECT_TRUE(absl::IsAlreadyExists((*r)[1].status));
  auto count = ds_->CountEntries({});
  EXPECT_EQ(*count, 1);
}

TEST_F(DataStoreTest, FederatesWithNeedsAnExistingBundle) {
  Entry e = MakeEntry("/f", {{"t", "1"}});
  e.federates_with = {"other.org"};
  auto r = ds_->CreateEntries({e});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(absl::IsNotFound((*r)[0].status));
  EXPECT_NE((*r)[0].status.message().find("unable to find federated bundle"), std::string::npos);
  EXPECT_EQ(*ds_->CountEntries({}), 0);
  ASSERT_TRUE(ds_->SetBundle("other.org", "data").ok());
  r = ds_->CreateEntries({e});
  EXPECT_TRUE((*r)[0].status.ok());
  auto got = ds_->FetchEntry((*r)[0].entry.id);
  EXPECT_EQ(got->federates_with, std::vector<std::string>{"other.org"});
}

TEST_F(DataStoreTest, UpdateReplacesAndBumpsRevision) {
  auto r = ds_->CreateEntries({MakeEntry("/u", {{"t", "1"}})});
  Entry e = (*r)[0].entry;
  e.selectors = {{"t", "2"}};
  e.dns_names = {"d"};
  auto u = ds_->UpdateEntries({e});
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE((*u)[0].status.ok());
  EXPECT_EQ((*u)[0].entry.revision_number, 1);
  auto got = ds_->FetchEntry(e.id);
  EXPECT_EQ(got->revision_number, 1);
  EXPECT_EQ(got->selectors, (std::vector<Selector>{{"t", "2"}}));
  EXPECT_EQ(got->created_at, e.created_at);
  Entry missing = e;
  missing.id = "nope";
  u = ds_->UpdateEntries({missing});
  EXPECT_TRUE(absl::IsNotFound((*u)[0].status));
}

TEST_F(DataStoreTest, DeleteReportsPerId) {
  auto r = ds_->CreateEntries({MakeEntry("/d", {{"t", "1"}})});
  auto d = ds_->DeleteEntries({(*r)[0].entry.id, "nope"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)[0].ok());
  EXPECT_TRUE(absl::IsNotFound((*d)[1]));
  EXPECT_TRUE(absl::IsNotFound(ds_->FetchEntry((*r)[0].entry.id).status()));
}

TEST_F(DataStoreTest, ListFiltersAndPages) {
  std::vector<Entry> batch;
  for (int i = 0; i < 25; ++i) {
    Entry e = MakeEntry("/w" + std::to_string(i), {{"unix", "uid:" + std::to_string(i % 5)}});
    if (i % 2 == 0) e.selectors.push_back({"unix", "gid:0"});
    if (i == 3) e.hint = "special";
    if (i == 4) e.downstream = true;
    batch.push_back(e);
  }
  ASSERT_TRUE(ds_->CreateEntries(batch).ok());
  // Pages of 10 cover all 25 exactly once.
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = ds_->ListEntries({}, token, 10);
    ASSERT_TRUE(page.ok());
    for (auto& e : page->entries) seen.insert(e.id);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_LE(pages, 4);
  EXPECT_FALSE(ds_->ListEntries({}, "garbage", 10).ok());

  auto count = [&](EntryFilter f) { return *ds_->CountEntries(f); };
  EntryFilter f;
  f.by_spiffe_id = "spiffe://example.org/w7";
  EXPECT_EQ(count(f), 1);
  f = {};
  f.by_parent_id = "spiffe://example.org/spire/agent/x509pop/cn/agent0";
  EXPECT_EQ(count(f), 25);
  f = {};
  f.by_hint = "special";
  EXPECT_EQ(count(f), 1);
  f = {};
  f.by_downstream = true;
  EXPECT_EQ(count(f), 1);
  f = {};
  f.by_selectors = SelectorMatch{{{"unix", "uid:0"}}, Match::kSuperset};
  EXPECT_EQ(count(f), 5);  // 0, 5, 10, 15, 20
  f.by_selectors = SelectorMatch{{{"unix", "uid:0"}}, Match::kExact};
  EXPECT_EQ(count(f), 2);  // 5, 15 (odd: no gid selector)
  f.by_selectors = SelectorMatch{{{"unix", "uid:1"}, {"unix", "gid:0"}}, Match::kSubset};
  EXPECT_EQ(count(f), 5);  // 1, 11, 21 (just uid:1) + 6, 16 (uid:1, gid:0)
  f.by_selectors = SelectorMatch{{{"unix", "uid:1"}, {"unix", "uid:2"}}, Match::kAny};
  EXPECT_EQ(count(f), 10);
}

TEST_F(DataStoreTest, PruneRemovesOnlyExpired) {
  Entry a = MakeEntry("/old", {{"t", "1"}});
  a.expires_at = 100;
  Entry b = MakeEntry("/new", {{"t", "1"}});
  b.expires_at = 4000000000;
  Entry c = MakeEntry("/never", {{"t", "1"}});
  ASSERT_TRUE(ds_->CreateEntries({a, b, c}).ok());
  EXPECT_EQ(*ds_->PruneEntries(1000), 1);
  EXPECT_EQ(*ds_->CountEntries({}), 2);
}

TEST_F(DataStoreTest, AgentsTokensBundlesJournal) {
  AttestedNode n;
  n.spiffe_id = "spiffe://example.org/spire/agent/x509pop/cn/a";
  n.attestation_type = "x509pop";
  n.serial_number = "123";
  n.expires_at = 4000000000;
  n.can_reattest = true;
  n.selectors = {{"x509pop", "subject:cn:a"}};
  ASSERT_TRUE(ds_->CreateAttestedNode(n).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(ds_->CreateAttestedNode(n)));
  auto got = ds_->FetchAttestedNode(n.spiffe_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, n);
  AgentFilter banned;
  banned.by_banned = true;
  EXPECT_EQ(*ds_->CountAttestedNodes(banned), 0);
  n.serial_number.clear();
  ASSERT_TRUE(ds_->UpdateAttestedNode(n).ok());
  EXPECT_EQ(*ds_->CountAttestedNodes(banned), 1);
  ASSERT_TRUE(ds_->DeleteAttestedNode(n.spiffe_id).ok());
  EXPECT_TRUE(absl::IsNotFound(ds_->DeleteAttestedNode(n.spiffe_id)));
  EXPECT_TRUE(absl::IsNotFound(ds_->FetchAttestedNode(n.spiffe_id).status()));

  ASSERT_TRUE(ds_->CreateJoinToken({"tok", 50}).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(ds_->CreateJoinToken({"tok", 50})));
  EXPECT_EQ(ds_->FetchJoinToken("tok")->expires_at, 50);
  EXPECT_EQ(*ds_->PruneJoinTokens(100), 1);
  EXPECT_TRUE(absl::IsNotFound(ds_->FetchJoinToken("tok").status()));

  EXPECT_FALSE(ds_->FetchBundle("example.org")->has_value());
  ASSERT_TRUE(ds_->SetBundle("example.org", std::string("a\0b", 3)).ok());
  EXPECT_EQ(**ds_->FetchBundle("example.org"), std::string("a\0b", 3));
  ASSERT_TRUE(ds_->SetCaJournal("j1").ok());
  ASSERT_TRUE(ds_->SetCaJournal("j2").ok());
  EXPECT_EQ(**ds_->FetchCaJournal(), "j2");
}

TEST(DataStoreOpenTest, ReopenKeepsDataAndRefusesNewerSchema) {
  TempDir dir;
  std::string path = (dir / "ds.sqlite3").string();
  {
    auto ds = OpenSqlite(path);
    ASSERT_TRUE(ds.ok());
    ASSERT_TRUE((*ds)->CreateEntries({MakeEntry("/p", {{"t", "1"}})}).ok());
  }
  {
    auto ds = OpenSqlite(path);
    ASSERT_TRUE(ds.ok());
    EXPECT_EQ(*(*ds)->CountEntries({}), 1);
  }
  dstart::testing::RunCommand({"sqlite3", path, "UPDATE migrations SET version = 999"});
  auto ds = OpenSqlite(path);
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(std::string(ds.status().message()).find("newer"), std::string::npos);
}

TEST(DataStoreOpenTest, UnwritablePathNamesThePath) {
  auto ds = OpenSqlite("/nonexistent-dir/x/ds.sqlite3");
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(std::string(ds.status().message()).find("/nonexistent-dir/x/ds.sqlite3"),
            std::string::npos);
}

}  // namespace
}  // namespace dstart::server::datastore
