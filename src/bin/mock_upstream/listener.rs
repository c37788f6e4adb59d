//! The TCP side: accepts on 127.0.0.1 with TCP_NODELAY, and lets a handler cut its
//! own connection mid-response.
//!
//! Why the cut lives here: when a response body stream fails, poem re-polls the hyper
//! connection for a graceful shutdown, and hyper then ends the chunked body cleanly.
//! A connection whose switch is tripped fails every further read and write instead,
//! so nothing more reaches the wire and the socket is closed. A reset does the same
//! after setting a zero linger, so the close is a TCP RST.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Open connections by peer address (unique among live connections on one local port).
#[derive(Clone, Default)]
pub struct Connections(Arc<Mutex<HashMap<SocketAddr, CutSwitch>>>);

impl Connections {
    /// The switch of the open connection from `peer`.
    pub fn switch(&self, peer: SocketAddr) -> Option<CutSwitch> {
        self.lock().get(&peer).cloned()
    }

    fn open(&self, peer: SocketAddr) -> CutSwitch {
        let switch = CutSwitch::default();
        self.lock().insert(peer, switch.clone());
        switch
    }

    fn close(&self, peer: SocketAddr, switch: &CutSwitch) {
        let mut open = self.lock();
        if open
            .get(&peer)
            .is_some_and(|known| Arc::ptr_eq(&known.0, &switch.0))
        {
            open.remove(&peer);
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SocketAddr, CutSwitch>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

const OPEN: u8 = 0;
const CUT: u8 = 1;
const RESET: u8 = 2;

/// Once tripped, its connection fails all further I/O.
#[derive(Clone, Default)]
pub struct CutSwitch(Arc<AtomicU8>);

impl CutSwitch {
    /// Closes the connection (FIN) at its next read or write.
    pub fn trip(&self) {
        self.0.store(CUT, Ordering::Release);
    }

    /// Resets the connection (RST) at its next read or write.
    pub fn reset(&self) {
        self.0.store(RESET, Ordering::Release);
    }

    fn check(&self, stream: &TcpStream) -> io::Result<()> {
        match self.0.load(Ordering::Acquire) {
            OPEN => Ok(()),
            state => {
                if state == RESET {
                    // Dropping the socket with a zero linger sends a RST.
                    stream.set_zero_linger()?;
                }
                Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "connection cut by the mock scenario",
                ))
            }
        }
    }
}

pub struct NoDelayAcceptor {
    listener: TcpListener,
    addr: SocketAddr,
    connections: Connections,
}

impl NoDelayAcceptor {
    pub async fn bind(addr: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let connections = Connections::default();
        Ok(Self {
            listener,
            addr,
            connections,
        })
    }

    /// The bound address, with the real port when 0 was asked for.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn connections(&self) -> Connections {
        self.connections.clone()
    }
}

impl Acceptor for NoDelayAcceptor {
    type Io = Conn;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![LocalAddr(self.addr.into())]
    }

    async fn accept(&mut self) -> io::Result<(Conn, LocalAddr, RemoteAddr, Scheme)> {
        let (stream, peer) = self.listener.accept().await?;
        stream.set_nodelay(true)?;
        let conn = Conn {
            stream,
            peer,
            switch: self.connections.open(peer),
            connections: self.connections.clone(),
        };
        let local = LocalAddr(self.addr.into());
        Ok((conn, local, RemoteAddr(peer.into()), Scheme::HTTP))
    }
}

/// An accepted TCP stream that honours its cut switch.
pub struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    switch: CutSwitch,
    connections: Connections,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.connections.close(self.peer, &self.switch);
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.switch.check(&this.stream)?;
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.switch.check(&this.stream)?;
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.switch.check(&this.stream)?;
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.switch.check(&this.stream)?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
