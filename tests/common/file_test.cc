#include "common/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "support/process.h"

namespace dstart::common {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(AtomicWriteFile, WritesReplacesAndSetsMode) {
  dstart::testing::TempDir dir;
  std::string path = (dir / "keys.json").string();
  ASSERT_TRUE(AtomicWriteFile(path, "first").ok());
  EXPECT_EQ(*ReadFile(path), "first");
  EXPECT_EQ(ModeOf(path), 0600u);
  ASSERT_TRUE(AtomicWriteFile(path, std::string(100000, 'x'), 0644).ok());
  EXPECT_EQ(ReadFile(path)->size(), 100000u);
  EXPECT_EQ(ModeOf(path), 0644u);
  ASSERT_TRUE(AtomicWriteFile(path, "").ok());
  EXPECT_EQ(*ReadFile(path), "");
  // No temporary files are left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(AtomicWriteFile, ReadersNeverSeeAHalfWrittenFile) {
  dstart::testing::TempDir dir;
  std::string path = (dir / "state").string();
  const std::string a(200000, 'a'), b(300000, 'b');
  ASSERT_TRUE(AtomicWriteFile(path, a).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop) {
      auto got = ReadFile(path);
      if (!got.ok() || (*got != a && *got != b)) ++bad;
    }
  });
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(AtomicWriteFile(path, i % 2 ? a : b).ok());
  stop = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(AtomicWriteFile, FailsWithoutTouchingTheTarget) {
  dstart::testing::TempDir dir;
  auto missing = AtomicWriteFile((dir / "no-such-dir" / "f").string(), "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.message()).find("no-such-dir/f"), std::string::npos) << missing;
  // The target is a directory: rename fails, and the temporary file is cleaned up.
  std::filesystem::create_directory(dir / "d");
  auto onto_dir = AtomicWriteFile((dir / "d").string(), "x");
  ASSERT_FALSE(onto_dir.ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "d"));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1) << "temporary file left behind";
  EXPECT_FALSE(AtomicWriteFile("", "x").ok());
  EXPECT_FALSE(AtomicWriteFile((dir / "d/").string(), "x").ok());
}

TEST(ReadFile, ErrorsNameThePath) {
  dstart::testing::TempDir dir;
  auto missing = ReadFile((dir / "absent").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(missing.status().message()).find("absent"), std::string::npos);
  auto is_dir = ReadFile(dir.path().string());
  ASSERT_FALSE(is_dir.ok());
  EXPECT_NE(std::string(is_dir.status().message()).find("directory"), std::string::npos);
  if (geteuid() != 0) {
    std::string p = (dir / "secret").string();
    ASSERT_TRUE(AtomicWriteFile(p, "x", 0000).ok());
    auto denied = ReadFile(p);
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  }
}

TEST(EnsureDir, CreatesParentsAndIsIdempotent) {
  dstart::testing::TempDir dir;
  std::string path = (dir / "a" / "b" / "c").string();
  ASSERT_TRUE(EnsureDir(path, 0750).ok());
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_EQ(ModeOf(path), 0750u);
  EXPECT_TRUE(EnsureDir(path, 0750).ok());
  EXPECT_TRUE(EnsureDir(path + "/", 0750).ok());
  ASSERT_TRUE(AtomicWriteFile((dir / "file").string(), "x").ok());
  auto clash = EnsureDir((dir / "file").string());
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(EnsureDir((dir / "file" / "sub").string()).ok());
  EXPECT_FALSE(EnsureDir("").ok());
}

}  // namespace
}  // namespace dstart::common
