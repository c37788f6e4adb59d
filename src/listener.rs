//! A TCP acceptor that disables Nagle's algorithm on every accepted connection, so small
//! responses and stream chunks leave at once (the gateway's `server` accepts through it).

use std::net::SocketAddr;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::net::{TcpListener, TcpStream};

/// Accepts TCP connections with `TCP_NODELAY` set.
pub struct NoDelayAcceptor {
    listener: TcpListener,
    local_addr: SocketAddr,
}

impl NoDelayAcceptor {
    /// Binds `addr` (port 0 picks a free port; see [`NoDelayAcceptor::local_addr`]).
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        Ok(NoDelayAcceptor {
            listener,
            local_addr,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Acceptor for NoDelayAcceptor {
    type Io = TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![LocalAddr(self.local_addr.into())]
    }

    async fn accept(&mut self) -> std::io::Result<(TcpStream, LocalAddr, RemoteAddr, Scheme)> {
        let (stream, remote) = self.listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok((
            stream,
            LocalAddr(self.local_addr.into()),
            RemoteAddr(remote.into()),
            Scheme::HTTP,
        ))
    }
}
