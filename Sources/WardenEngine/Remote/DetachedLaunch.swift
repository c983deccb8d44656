/// What is known after asking a server to start a detached program that may end the very
/// session it was asked through (a stop of that server).
public enum DetachedLaunch: Sendable, Equatable {
    /// The server answered: the program was started.
    case confirmed
    /// The session ended after the request was sent (terminated by the server, connection
    /// lost, no answer in time): the program may have started. Only watching the server can
    /// tell; the reason is what the session reported.
    case sessionLost(String)
}
