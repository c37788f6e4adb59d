//! Login abuse protection: attempts are limited per client address and per username
//! (GCRA limiters from `governor`), checked before any password is hashed, so neither
//! guessing one password nor a burst of logins with distinct usernames gets far.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// Attempts per username per minute (whether they succeed or not).
const PER_USER_PER_MINUTE: NonZeroU32 = NonZeroU32::MIN.saturating_add(4);
/// Above this many tracked keys, the ones back at a full allowance are forgotten.
const FORGET_AT: usize = 10_000;

/// Which limit a refused attempt hit, and how long until the next one may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Address { seconds: u64 },
    Username { seconds: u64 },
}

/// The login limiters, in memory.
pub struct LoginLimiter {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_user: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl LoginLimiter {
    /// `per_address` attempts per minute from one client address (a burst of that
    /// many, then evenly spread), and 5 per minute for one username.
    pub fn new(per_address: NonZeroU32) -> LoginLimiter {
        LoginLimiter {
            by_address: DefaultKeyedRateLimiter::hashmap(Quota::per_minute(per_address)),
            by_user: DefaultKeyedRateLimiter::hashmap(Quota::per_minute(PER_USER_PER_MINUTE)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt of `username` from `address` (`None`: address unknown, only
    /// the username counts); refused when either allowance is used up. The username is
    /// only counted (and kept) once the address was allowed.
    pub fn attempt(&self, address: Option<IpAddr>, username: &str) -> Result<(), Refused> {
        let seconds = |not_until: governor::NotUntil<_>| {
            not_until.wait_time_from(self.clock.now()).as_secs().max(1)
        };
        if let Some(address) = address {
            forget_idle(&self.by_address);
            self.by_address
                .check_key(&client_key(address))
                .map_err(|n| Refused::Address {
                    seconds: seconds(n),
                })?;
        }
        forget_idle(&self.by_user);
        self.by_user
            .check_key(&username.to_string())
            .map_err(|n| Refused::Username {
                seconds: seconds(n),
            })
    }

    /// Usernames with a recent attempt (what the limiter holds in memory).
    pub fn tracked_usernames(&self) -> usize {
        self.by_user.len()
    }
}

/// Forgets keys whose allowance is full again, once there are many.
fn forget_idle<K: Clone + std::hash::Hash + Eq>(limiter: &DefaultKeyedRateLimiter<K>) {
    if limiter.len() >= FORGET_AT {
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }
}

/// The key of a client address: IPv4 as is, IPv6 by its /64 network (one host
/// usually holds a whole /64), an IPv4-mapped IPv6 address as the IPv4 one.
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_address: u32) -> LoginLimiter {
        LoginLimiter::new(NonZeroU32::new(per_address).unwrap_or(NonZeroU32::MIN))
    }

    #[test]
    fn five_attempts_per_username() {
        let limiter = limiter(100);
        let from = |n: u8| Some(IpAddr::from([10, 0, 0, n]));
        for n in 0..5 {
            assert_eq!(limiter.attempt(from(n), "bob"), Ok(()));
        }
        // A sixth try is refused from any address; other usernames are not affected.
        assert!(matches!(
            limiter.attempt(from(9), "bob"),
            Err(Refused::Username { seconds: 1..=60 })
        ));
        assert_eq!(limiter.attempt(from(9), "alice"), Ok(()));
    }

    #[test]
    fn distinct_usernames_from_one_address_are_limited_and_not_kept() {
        let limiter = limiter(3);
        let home = Some(IpAddr::from([192, 168, 1, 7]));
        let refused = (0..50)
            .filter(|n| limiter.attempt(home, &format!("user{n}")).is_err())
            .count();
        assert_eq!(refused, 47);
        assert_eq!(limiter.tracked_usernames(), 3, "refused names are not kept");
        assert_eq!(
            limiter.attempt(Some(IpAddr::from([192, 168, 1, 8])), "x"),
            Ok(())
        );
    }

    #[test]
    fn ipv6_counts_per_64_network() -> Result<(), std::net::AddrParseError> {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse()?;
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse()?;
        let c: IpAddr = "2001:db8:1:3::1".parse()?;
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:10.1.2.3".parse()?;
        assert_eq!(client_key(mapped), IpAddr::from([10, 1, 2, 3]));
        Ok(())
    }
}
