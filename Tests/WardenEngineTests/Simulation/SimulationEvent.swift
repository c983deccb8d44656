@testable import WardenEngine

/// Something that happens in the simulated world at a given time: a message or result reaching a
/// daemon, a daemon's timer, a fault or repair, an action of a driver finishing, an audit.
enum SimulationEvent {
    case observe(Int, MonitorObservation)
    case voteRequest(Int, VoteRequest)
    case timer(Int, token: Int)
    case fault(SimulationScenario.Fault)
    case restartPostgres(Int)
    case restartMachine(Int)
    case setLink(Int, Int, up: Bool)
    /// A one-way link: `from` can (or cannot) reach `to`; the other way is unchanged.
    case setOneWay(from: Int, to: Int, up: Bool)
    case unpause
    case resume(Int)
    case heal
    case finishPromotion(Int, term: Int, success: Bool, boot: Int)
    case finishFollow(Int, target: Int, success: Bool, boot: Int)
    case finishRejoin(Int, target: Int, success: Bool, boot: Int)
    case audit
}
