//===- arena_test.cpp - The per-run size-class allocator ------------------===//

#include "arena.h"

#include <gtest/gtest.h>

#include <cstring>
#include <cstdlib>
#include <memory>
#include <set>

using kiln::rt::Arena;
using kiln::rt::BlockRecycler;

TEST(ArenaSizeClassTest, ClassesCoverEverySizeWithBoundedWaste) {
  unsigned previous = 0;
  for (uint64_t size = 1; size < (uint64_t{1} << 20); size += 1 + size / 97) {
    unsigned c = Arena::sizeClassOf(size);
    uint64_t block = Arena::sizeOfClass(c);
    ASSERT_GE(block, size) << size;
    // 64-byte steps up to 512 bytes, then at most 25% waste.
    ASSERT_LE(block, std::max((size + 63) / 64 * 64, size + size / 4 + 1))
        << size;
    ASSERT_EQ(block % 64, 0u) << size;
    ASSERT_GE(c, previous) << "classes must grow with size";
    previous = c;
    if (c > 0) {
      ASSERT_LT(Arena::sizeOfClass(c - 1), size) << "smallest fitting class";
    }
  }
  EXPECT_EQ(Arena::sizeOfClass(Arena::sizeClassOf(0)), 64u);
  EXPECT_EQ(Arena::sizeOfClass(Arena::sizeClassOf(uint64_t{1} << 62)),
            uint64_t{1} << 62);
}

TEST(ArenaTest, AlignmentIsHonoured) {
  Arena arena;
  for (uint64_t alignment : {0, 1, 8, 64, 128, 4096, 65536}) {
    void *p = arena.allocate(100, alignment);
    ASSERT_NE(p, nullptr);
    uint64_t want = std::max<uint64_t>(64, alignment);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % want, 0u) << alignment;
    std::memset(p, 0xab, 100);
  }
  // Not a power of two: rounded up.
  void *p = arena.allocate(10, 96);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 128, 0u);
}

TEST(ArenaTest, FreedBlocksAreReused) {
  Arena arena;
  void *a = arena.allocate(1000, 64);
  EXPECT_TRUE(arena.deallocate(a));
  void *b = arena.allocate(900, 64); // same size class
  EXPECT_EQ(a, b);
  EXPECT_EQ(arena.stats().systemAllocations, 1u);
}

TEST(ArenaTest, ForeignAndDoubleFreesAreIgnored) {
  Arena arena;
  int local = 0;
  void *a = arena.allocate(64, 64);
  EXPECT_FALSE(arena.deallocate(&local));
  EXPECT_FALSE(arena.deallocate(nullptr));
  EXPECT_TRUE(arena.deallocate(a));
  EXPECT_FALSE(arena.deallocate(a));
  EXPECT_EQ(arena.stats().liveBytes, 0u);
  // The double free did not put the block on the free list twice.
  void *b = arena.allocate(64, 64);
  void *c = arena.allocate(64, 64);
  EXPECT_NE(b, c);
}

TEST(ArenaTest, DetachedBlocksLeaveTheArenaAndAreReplaced) {
  Arena arena;
  auto *a = static_cast<unsigned char *>(arena.allocate(100000, 64));
  ASSERT_NE(a, nullptr);
  a[0] = 7;
  a[99999] = 9;
  int local = 0;
  uint64_t size = 0, alignment = 0;
  EXPECT_EQ(arena.detach(&local, size, alignment), nullptr);
  EXPECT_EQ(arena.detach(nullptr, size, alignment), nullptr);
  EXPECT_EQ(size, 0u);
  EXPECT_EQ(arena.detach(a, size, alignment), a);
  EXPECT_EQ(size, Arena::sizeOfClass(Arena::sizeClassOf(100000)));
  EXPECT_EQ(alignment, 64u);
  // The caller owns it now: not live, not freed or reused by the arena.
  EXPECT_FALSE(arena.isLive(a));
  EXPECT_FALSE(arena.deallocate(a));
  EXPECT_EQ(arena.detach(a, size, alignment), nullptr);
  EXPECT_EQ(arena.stats().blockCount, 0u);
  EXPECT_EQ(arena.stats().reservedBytes, 0u);
  arena.endRun();
  // The next run takes a new block into the empty slot: one block held.
  void *b = arena.allocate(100000, 64);
  EXPECT_NE(b, a);
  EXPECT_EQ(a[0], 7);
  EXPECT_EQ(a[99999], 9);
  EXPECT_EQ(arena.stats().blockCount, 1u);
  EXPECT_EQ(arena.stats().systemAllocations, 2u);
  EXPECT_EQ(arena.stats().handedOver, 1u);
  std::free(a);
  // Many runs handing their output over do not grow the bookkeeping: the
  // slot of each output is filled by the next run's.
  for (int i = 0; i < 200; ++i) {
    void *out = arena.allocate(100000, 64);
    void *tmp = arena.allocate(3000, 64);
    ASSERT_NE(out, nullptr);
    ASSERT_NE(tmp, nullptr);
    uint64_t outSize = 0, outAlignment = 0;
    ASSERT_EQ(arena.detach(out, outSize, outAlignment), out);
    arena.endRun();
    std::free(out);
  }
  EXPECT_EQ(arena.stats().blockCount, 1u);
  EXPECT_EQ(arena.stats().liveBytes, 0u);
}

TEST(ArenaTest, DetachedBlocksGivenBackAreTakenByTheNextRun) {
  auto recycler = std::make_shared<BlockRecycler>(uint64_t{1} << 20, 4);
  Arena arena;
  arena.setRecycler(recycler);
  void *out = arena.allocate(300000, 64);
  ASSERT_NE(out, nullptr);
  uint64_t size = 0, alignment = 0;
  ASSERT_EQ(arena.detach(out, size, alignment), out);
  arena.endRun();
  // The caller releases the output: the next run's block is the same one,
  // not a new one from the system.
  ASSERT_TRUE(recycler->give(out, size, alignment));
  EXPECT_EQ(recycler->keptBytes(), size);
  void *again = arena.allocate(300000, 64);
  EXPECT_EQ(again, out);
  EXPECT_EQ(arena.stats().recycled, 1u);
  EXPECT_EQ(arena.stats().systemAllocations, 1u);
  EXPECT_EQ(recycler->keptBytes(), 0u);
  // Another size, or a stricter alignment, is not served from it.
  ASSERT_EQ(arena.detach(again, size, alignment), again);
  ASSERT_TRUE(recycler->give(again, size, alignment));
  void *other = arena.allocate(100000, 64);
  EXPECT_NE(other, again);
  void *aligned = arena.allocate(300000, 1 << 16);
  EXPECT_NE(aligned, again);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % (1 << 16), 0u);
  arena.endRun();
}

TEST(ArenaTest, RecyclerKeepsNoMoreThanItsCapacity) {
  BlockRecycler recycler(1000, 2);
  void *a = std::malloc(600), *b = std::malloc(300), *c = std::malloc(300);
  EXPECT_TRUE(recycler.give(a, 600, 16));
  EXPECT_TRUE(recycler.give(b, 300, 16));
  // Two blocks kept: a third is the caller's to free, as is one past the
  // byte capacity.
  EXPECT_FALSE(recycler.give(c, 300, 16));
  EXPECT_FALSE(recycler.give(nullptr, 1, 16));
  EXPECT_EQ(recycler.take(600, 16), a);
  EXPECT_FALSE(recycler.give(c, 701, 16));
  EXPECT_TRUE(recycler.give(c, 300, 16));
  // The most recent of a size first.
  EXPECT_EQ(recycler.take(300, 16), c);
  EXPECT_EQ(recycler.take(300, 32), nullptr);
  std::free(a);
  std::free(c);
  // b is freed by the recycler.
}

TEST(ArenaTest, LargerAlignmentIsNotServedFromSmallerAlignedBlocks) {
  Arena arena;
  void *a = arena.allocate(5000, 64);
  // Find an address that is not 64K-aligned so reuse would be wrong.
  arena.deallocate(a);
  void *b = arena.allocate(5000, 65536);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 65536, 0u);
}

TEST(ArenaTest, EndRunReclaimsLiveBlocksAndSteadyStateDoesNotAllocate) {
  Arena arena;
  auto oneRun = [&] {
    std::set<void *> seen;
    for (uint64_t size : {64, 200, 4096, 100000, 200}) {
      void *p = arena.allocate(size, 64);
      ASSERT_NE(p, nullptr);
      ASSERT_TRUE(seen.insert(p).second) << "live blocks must be distinct";
    }
    arena.deallocate(*seen.begin());
    arena.endRun();
  };
  oneRun();
  auto warm = arena.stats();
  EXPECT_EQ(warm.liveBytes, 0u);
  for (int i = 0; i < 100; ++i)
    oneRun();
  EXPECT_EQ(arena.stats().systemAllocations, warm.systemAllocations);
  EXPECT_EQ(arena.stats().reservedBytes, warm.reservedBytes);
  EXPECT_EQ(arena.stats().allocations, 101u * 5);
  EXPECT_EQ(arena.stats().liveBytes, 0u);
}

TEST(ArenaTest, IdleBlocksAreReturnedEventually) {
  Arena arena;
  arena.allocate(1 << 20, 64);
  arena.allocate(128, 64);
  arena.endRun();
  EXPECT_EQ(arena.stats().blockCount, 2u);
  for (uint64_t i = 0; i < Arena::kIdleRunsBeforeTrim + 1; ++i) {
    void *p = arena.allocate(128, 64); // keeps the small block in use
    ASSERT_NE(p, nullptr);
    arena.endRun();
  }
  EXPECT_EQ(arena.stats().blockCount, 1u);
  EXPECT_EQ(arena.stats().systemFrees, 1u);
  EXPECT_EQ(arena.stats().reservedBytes, 128u);
  // The surviving block is still found by deallocate after the rebuild.
  void *p = arena.allocate(100, 64);
  EXPECT_TRUE(arena.isLive(p));
  EXPECT_TRUE(arena.deallocate(p));
  EXPECT_EQ(arena.stats().systemAllocations, 2u);
}

TEST(ArenaTest, SmallRequestsMayUseSomewhatLargerFreeBlocks) {
  Arena arena;
  void *big = arena.allocate(1000, 64);
  arena.endRun();
  EXPECT_EQ(arena.allocate(600, 64), big) << "within one doubling";
  arena.endRun();
  EXPECT_NE(arena.allocate(100, 64), big) << "too wasteful";
  EXPECT_EQ(arena.stats().systemAllocations, 2u);
}

TEST(ArenaTest, AbsurdRequestsFail) {
  Arena arena;
  EXPECT_EQ(arena.allocate(uint64_t{1} << 63, 64), nullptr);
  EXPECT_EQ(arena.allocate(64, uint64_t{1} << 63), nullptr);
  EXPECT_EQ(arena.stats().blockCount, 0u);
}
