#ifndef TCPLAB_NETSIM_LIVE_SYS_ERROR_H_
#define TCPLAB_NETSIM_LIVE_SYS_ERROR_H_

// A failed system call as a Status carrying errno's text.

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tcplab::live {

inline absl::Status SysError(const std::string& what, int err = errno) {
  std::string text = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case EPERM:
    case EACCES:
      return absl::PermissionDeniedError(text);
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return absl::NotFoundError(text);
    case EBUSY:
    case EEXIST:
      return absl::AlreadyExistsError(text);
    default:
      return absl::InternalError(text);
  }
}

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_SYS_ERROR_H_
