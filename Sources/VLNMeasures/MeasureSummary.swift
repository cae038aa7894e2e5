/// Means of the measures over a set of episodes.
///
/// Infinite NE (a final position from which no goal is reachable; only possible with a geodesic goal distance) is
/// never averaged into a NaN or an infinite mean: `distanceToGoal` and `oracleNavigationError` are means over the
/// episodes where they are finite, and `unreachableEpisodes` / `oracleUnreachableEpisodes` count the episodes left
/// out. Such episodes still count in every other mean (success, oracle success, SPL and SDTW are 0 for them).
/// `collisions` is the mean over the episodes whose trajectory recorded collisions (`collisionEpisodes` of them).
/// A mean over no episode is `nil`.
public struct MeasureSummary: Sendable, Equatable {
    /// Episodes summarised.
    public var episodes: Int
    /// Mean NE in metres over the episodes with a finite NE.
    public var distanceToGoal: Double?
    /// Episodes with an infinite NE (left out of `distanceToGoal`).
    public var unreachableEpisodes: Int
    /// SR: mean success (0…1).
    public var success: Double?
    /// OSR: mean oracle success (0…1).
    public var oracleSuccess: Double?
    /// Mean oracle NE in metres over the episodes where it is finite.
    public var oracleNavigationError: Double?
    /// Episodes with an infinite oracle NE (left out of `oracleNavigationError`).
    public var oracleUnreachableEpisodes: Int
    /// Mean SPL (0…1).
    public var spl: Double?
    /// Mean path length in metres.
    public var pathLength: Double?
    /// Mean actions per episode, STOP included.
    public var steps: Double?
    /// Mean collided steps over the `collisionEpisodes` episodes that recorded them.
    public var collisions: Double?
    /// Episodes whose trajectory recorded collisions.
    public var collisionEpisodes: Int
    /// Mean nDTW and SDTW (0…1).
    public var ndtw: Double?
    /// Mean SDTW (0…1).
    public var sdtw: Double?

    /// Summarises `measures` (see the type's comment for infinite NE and missing collisions).
    public init(_ measures: [EpisodeMeasures]) {
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        episodes = measures.count
        let ne = measures.map(\.distanceToGoal).filter(\.isFinite)
        distanceToGoal = mean(ne)
        unreachableEpisodes = measures.count - ne.count
        success = mean(measures.map(\.success))
        oracleSuccess = mean(measures.map(\.oracleSuccess))
        let one = measures.map(\.oracleNavigationError).filter(\.isFinite)
        oracleNavigationError = mean(one)
        oracleUnreachableEpisodes = measures.count - one.count
        spl = mean(measures.map(\.spl))
        pathLength = mean(measures.map(\.pathLength))
        steps = mean(measures.map { Double($0.steps) })
        let c = measures.compactMap(\.collisions)
        collisions = mean(c.map(Double.init))
        collisionEpisodes = c.count
        ndtw = mean(measures.map(\.ndtw))
        sdtw = mean(measures.map(\.sdtw))
    }
}
