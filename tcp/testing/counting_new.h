#ifndef TCPLAB_TCP_TESTING_COUNTING_NEW_H_
#define TCPLAB_TCP_TESTING_COUNTING_NEW_H_

// Linking //tcp:counting_new replaces the global operator new with one that
// counts calls, to prove that hot paths do not allocate.

#include <cstdint>

namespace tcplab::tcp::testing {

// Calls of the global operator new so far (all threads; tests are single-threaded).
int64_t AllocationCount();

}  // namespace tcplab::tcp::testing

#endif  // TCPLAB_TCP_TESTING_COUNTING_NEW_H_
