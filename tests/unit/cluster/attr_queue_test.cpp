#include "libvmha/cluster/attr_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace vmha::cluster {
namespace {

Micros at(int us) { return Micros(us); }

TEST(AttrQueue, ManySetsBeforeSendingBecomeOneUpdateWithTheNewestValue) {
  AttrQueue q;
  for (int i = 0; i < 100; ++i) q.set("a", std::to_string(i), at(i));
  EXPECT_EQ(q.pending(), 1u);
  EXPECT_EQ(q.coalesced(), 99u);
  auto u = q.take();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "a");
  EXPECT_EQ(u->value, "99");
  EXPECT_EQ(u->set_at, at(99));
  EXPECT_FALSE(u->resend);
  EXPECT_FALSE(q.take());
  q.acked(*u);
  EXPECT_TRUE(q.idle());
}

TEST(AttrQueue, OneUpdateInFlightAtATime) {
  AttrQueue q;
  q.set("a", "1", at(0));
  q.set("b", "1", at(0));
  auto a = q.take();
  ASSERT_TRUE(a);
  EXPECT_FALSE(q.take());
  EXPECT_FALSE(q.idle());
  q.acked(*a);
  auto b = q.take();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "b");
}

TEST(AttrQueue, NamesAreSentInTheOrderTheyBecamePendingAndKeepTheirTurn) {
  AttrQueue q;
  q.set("a", "1", at(0));
  q.set("b", "1", at(1));
  q.set("a", "2", at(2));  // replaced in place: a is still first
  auto u = q.take();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "a");
  EXPECT_EQ(u->value, "2");
  q.acked(*u);
  u = q.take();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "b");
}

TEST(AttrQueue, ValueSetWhileInFlightIsSentAfterTheAck) {
  AttrQueue q;
  q.set("a", "1", at(0));
  q.set("b", "1", at(0));
  auto first = q.take();
  ASSERT_TRUE(first);
  q.set("a", "2", at(5));
  q.acked(*first);
  auto next = q.take();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->name, "b");  // a went to the back of the line
  q.acked(*next);
  auto again = q.take();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->name, "a");
  EXPECT_EQ(again->value, "2");
  EXPECT_EQ(again->set_at, at(5));
  q.acked(*again);
  EXPECT_TRUE(q.idle());
}

TEST(AttrQueue, ValuesReplacedWhileAnOlderOneIsInFlightCountAsCoalesced) {
  AttrQueue q;
  q.set("a", "0", at(0));
  auto u = q.take();
  ASSERT_TRUE(u);
  for (int i = 1; i <= 10; ++i) q.set("a", std::to_string(i), at(i));
  EXPECT_EQ(q.coalesced(), 9u);  // 1..9 never left; 10 is still to send
  q.acked(*u);
  auto last = q.take();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->value, "10");
  q.acked(*last);
  EXPECT_EQ(q.coalesced(), 9u);
  EXPECT_TRUE(q.idle());
}

TEST(AttrQueue, SettingTheWantedValueAgainSendsNothing) {
  AttrQueue q;
  EXPECT_TRUE(q.set("a", "1", at(0)));
  EXPECT_FALSE(q.set("a", "1", at(1)));  // pending already
  auto u = q.take();
  ASSERT_TRUE(u);
  EXPECT_FALSE(q.set("a", "1", at(2)));  // in flight
  q.acked(*u);
  EXPECT_FALSE(q.set("a", "1", at(3)));  // acknowledged
  EXPECT_TRUE(q.idle());
  EXPECT_TRUE(q.set("a", "2", at(4)));
  EXPECT_FALSE(q.idle());
}

TEST(AttrQueue, BackAndForthWhileInFlightStillEndsOnTheNewestValue) {
  AttrQueue q;
  q.set("a", "1", at(0));
  auto u = q.take();
  ASSERT_TRUE(u);
  q.set("a", "2", at(1));
  q.set("a", "1", at(2));  // same as in flight, but newer than "2": must be sent
  q.acked(*u);
  auto again = q.take();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->value, "1");
  EXPECT_NE(again->generation, u->generation);
}

TEST(AttrQueue, FailedUpdateIsFirstInLineWithTheNewestValue) {
  AttrQueue q;
  q.set("a", "1", at(0));
  q.set("b", "1", at(0));
  auto u = q.take();
  ASSERT_TRUE(u);
  q.set("a", "2", at(1));
  q.failed(*u);
  auto retry = q.take();
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->name, "a");
  EXPECT_EQ(retry->value, "2");
}

TEST(AttrQueue, AcknowledgedRemovalIsForgotten) {
  AttrQueue q;
  q.set("a", "1", at(0));
  auto u = q.take();
  q.acked(*u);
  q.set("a", std::nullopt, at(1));
  auto r = q.take();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->value.has_value());
  q.acked(*r);
  EXPECT_EQ(q.known(), 0u);
  EXPECT_EQ(q.resend_all(), 0u);
  EXPECT_TRUE(q.idle());
}

TEST(AttrQueue, RemovalOfANameNeverSetIsStillSent) {
  AttrQueue q;
  EXPECT_TRUE(q.set("stale", std::nullopt, at(0)));
  auto r = q.take();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "stale");
  EXPECT_FALSE(r->value.has_value());
}

TEST(AttrQueue, ResendAllQueuesEveryAcknowledgedValueMarkedAsResend) {
  AttrQueue q;
  q.set("a", "1", at(0));
  q.set("b", "2", at(0));
  for (int i = 0; i < 2; ++i) {
    auto u = q.take();
    ASSERT_TRUE(u);
    q.acked(*u);
  }
  q.set("c", "3", at(1));  // pending, never sent: not a resend
  EXPECT_EQ(q.resend_all(), 2u);
  EXPECT_EQ(q.pending(), 3u);
  int resends = 0;
  while (auto u = q.take()) {
    if (u->name == "c") {
      EXPECT_FALSE(u->resend);
    } else {
      EXPECT_TRUE(u->resend);
      ++resends;
    }
    q.acked(*u);
  }
  EXPECT_EQ(resends, 2);
  EXPECT_TRUE(q.idle());
}

TEST(AttrQueue, ResendAllKeepsAnUnacknowledgedRemoval) {
  AttrQueue q;
  q.set("a", std::nullopt, at(0));
  auto u = q.take();
  ASSERT_TRUE(u);
  q.failed(*u);
  EXPECT_EQ(q.resend_all(), 0u);  // already queued again by failed()
  auto again = q.take();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->name, "a");
  EXPECT_FALSE(again->value.has_value());
}

TEST(AttrQueue, ResendAllLeavesTheUpdateInFlightAlone) {
  AttrQueue q;
  q.set("a", "1", at(0));
  q.acked(*q.take());
  q.set("b", "1", at(1));
  auto b = q.take();
  ASSERT_TRUE(b);
  EXPECT_EQ(q.resend_all(), 1u);
  EXPECT_EQ(q.pending(), 1u);
  q.acked(*b);
  auto a = q.take();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "a");
  EXPECT_TRUE(a->resend);
  q.acked(*a);
  EXPECT_TRUE(q.idle());
}

TEST(AttrQueue, NewSetAfterResendIsNotAResend) {
  AttrQueue q;
  q.set("a", "1", at(0));
  auto u = q.take();
  q.acked(*u);
  q.resend_all();
  q.set("a", "2", at(9));
  auto v = q.take();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->value, "2");
  EXPECT_FALSE(v->resend);
  EXPECT_EQ(v->set_at, at(9));
}

TEST(AttrQueue, StaleAckOfAnOlderGenerationDoesNotCompleteTheNewest) {
  AttrQueue q;
  q.set("a", "1", at(0));
  auto old = q.take();
  ASSERT_TRUE(old);
  q.set("a", "2", at(1));
  q.acked(*old);
  EXPECT_FALSE(q.idle());
  EXPECT_EQ(q.pending(), 1u);
}

}  // namespace
}  // namespace vmha::cluster
