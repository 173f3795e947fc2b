// FakeDockerEngine: a stand-in for the Docker daemon (none runs on these machines). It listens on
// a real Unix socket, speaks HTTP/1.1 and answers GET requests with recorded Engine API
// responses, so DockerEngineClient is tested over the same wire it uses in production.
#ifndef DSTART_TESTS_AGENT_FAKE_DOCKER_ENGINE_H_
#define DSTART_TESTS_AGENT_FAKE_DOCKER_ENGINE_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dstart::agent::workloadattestor {

class FakeDockerEngine {
 public:
  // Listens on `socket_path` (replacing a stale file).
  explicit FakeDockerEngine(std::string socket_path);
  ~FakeDockerEngine();

  // Answers GET `target` with `status` and `body` (application/json).
  void Respond(const std::string& target, int status, std::string body);
  // Answers GET `target` with this status the next `times` requests, then with the recorded one.
  void FailNext(const std::string& target, int status, int times);
  // Every request target seen, in order.
  std::vector<std::string> requests() const;
  const std::string& socket_path() const { return socket_path_; }

 private:
  void Serve();
  std::string socket_path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, std::pair<int, std::string>> routes_;
  std::map<std::string, std::pair<int, int>> failures_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_TESTS_AGENT_FAKE_DOCKER_ENGINE_H_
