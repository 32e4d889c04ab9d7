// Prints, with a wall-clock millisecond timestamp, each change of the given
// node attributes and each new operation of the given resource as the CIB
// manager announces it (diff notifications, no polling), so the events
// benchmark can measure when a fact became visible in the CIB.
//
//   cib_watch [--attr NAME]... [--rsc ID]...
//   -> "<ms> attr <node> <name> <value>" and "<ms> op <rsc> <task> <call-id> <op-status>"
#include <crm/cib.h>
#include <crm/common/xml.h>
#include <glib.h>
#include <libxml/tree.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

cib_t* g_cib = nullptr;
std::vector<std::string> g_attrs;
std::vector<std::string> g_rscs;
std::map<std::string, std::string> g_seen;

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string prop(xmlNode* n, const char* name) {
  const char* v = crm_element_value(n, name);
  return v ? v : "";
}

void walk(xmlNode* n, const std::string& node, long long t) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    std::string tag = reinterpret_cast<const char*>(n->name);
    std::string here = tag == "node_state" ? prop(n, "uname") : node;
    if (tag == "nvpair") {
      std::string name = prop(n, "name");
      for (const auto& a : g_attrs) {
        if (a != name) continue;
        std::string key = "attr " + here + " " + name;
        std::string value = prop(n, "value");
        if (g_seen[key] != value) {
          g_seen[key] = value;
          std::printf("%lld %s %s\n", t, key.c_str(), value.c_str());
        }
      }
    } else if (tag == "lrm_rsc_op") {
      std::string id = prop(n, "id");
      for (const auto& r : g_rscs) {
        if (id.rfind(r + "_", 0) != 0) continue;
        std::string key = "op " + r + " " + prop(n, "operation");
        std::string value = prop(n, "call-id") + " " + prop(n, "op-status");
        if (g_seen[key] != value) {
          g_seen[key] = value;
          std::printf("%lld %s %s\n", t, key.c_str(), value.c_str());
        }
      }
    }
    walk(n->children, here, t);
  }
  std::fflush(stdout);
}

void scan() {
  long long t = now_ms();
  xmlNode* out = nullptr;
  if (g_cib->cmds->query(g_cib, "status", &out, cib_sync_call | cib_scope_local) == pcmk_ok && out) {
    walk(out, "", t);
    free_xml(out);
  }
}

void on_diff(const char*, xmlNode*) { scan(); }

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--attr")) g_attrs.push_back(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rsc")) g_rscs.push_back(argv[i + 1]);
  }
  crm_xml_init();
  g_cib = cib_new();
  if (g_cib->cmds->signon(g_cib, "vmha-bench", cib_query) != pcmk_ok) {
    std::fprintf(stderr, "cib_watch: cannot connect to the CIB\n");
    return 1;
  }
  if (g_cib->cmds->add_notify_callback(g_cib, T_CIB_DIFF_NOTIFY, on_diff) != pcmk_ok) {
    std::fprintf(stderr, "cib_watch: cannot register for CIB notifications\n");
    return 1;
  }
  std::printf("%lld ready\n", now_ms());
  scan();
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  g_main_loop_run(loop);
  return 0;
}
