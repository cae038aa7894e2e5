import VLNCore

/// Writes an R2R-style English instruction (Anderson et al. 2018, "Vision-and-Language Navigation", arXiv:1711.07280)
/// from what a path passes (`RouteFacts`): the room left and the rooms entered, turns (left / right / slightly /
/// around, sometimes "at the X"), landmarks passed and on which side, and where to stop ("stop next to the X in the
/// Y", "wait by …").
///
/// Many phrasings, not one template: every clause draws its verb and structure from several forms (imperative
/// chains joined by "and" / ", then", fronted subordinates "Once you enter the kitchen, …", "After passing the sofa,
/// …"), synonyms are drawn once per instruction ("couch" or "sofa"), and how much detail is given (how many passed
/// landmarks are named) is chosen so the length follows a target drawn around R2R's mean (about 26 words in
/// R2R val_unseen). Deterministic: the same facts and generator state give the same text.
struct InstructionWriter {
    /// The house the facts refer to (room labels, landmark rooms).
    let house: SuiteHouse

    /// Writes one instruction for `facts`, drawing from `rng`.
    func write(_ facts: RouteFacts, rng: inout SeededRandom) -> String {
        // Target length: 6 + two uniform draws in [0, 16] words (mean 22, triangular 6–38). Below R2R's mean, because
        // the composition closest to it is usually the one just above (a route's rooms and stop are always said);
        // calibrated so that suites land near R2R's 26 words (`InstructionTests`).
        let target = 6 + rng.uniform(0, 16) + rng.uniform(0, 16)
        let base = rng.next()
        var best: (text: String, miss: Float) = ("", .infinity)
        for detail in 0...4 {
            var draft = Draft(house: house, facts: facts, detail: detail, rng: SeededRandom(seed: base ^ (UInt64(detail) &* 0x9E37_79B9_7F4A_7C15)))
            let text = draft.compose()
            let miss = abs(Float(Self.wordCount(text)) - target)
            if miss < best.miss { best = (text, miss) }
        }
        return best.text
    }

    /// Words of an instruction: whitespace-separated tokens holding a letter or a digit (punctuation alone is not a
    /// word). The same rule counts R2R's instructions.
    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).filter { $0.contains { $0.isLetter || $0.isNumber } }.count
    }
}

/// One clause of an instruction: an imperative verb phrase (lowercase start, no final period) and, when it can be
/// fronted as a subordinate ("Once you enter the kitchen"), that form.
private struct Clause {
    var text: String
    var fronted: String?
    /// Whether the clause moves into another room (a fronted "Once inside the X," never precedes one).
    var changesRoom = false
}

/// One composition of an instruction at a given level of detail.
private struct Draft {
    let house: SuiteHouse
    let facts: RouteFacts
    /// 0…4. 0: terse (no initial turn but "turn around", rooms crossed on the way said together: "walk through the kitchen
    /// into the bedroom", no passed landmark); 1: every room, no passed landmark; 2, 3, 4: one, two, three passed
    /// landmarks, and slight bends from 3 on.
    let detail: Int
    var rng: SeededRandom
    /// Chosen name per category / room label (one per instruction).
    var names: [String: String] = [:]
    var roomWords: [String: String] = [:]
    /// Rooms named so far (region indices), for "the other bedroom".
    var namedRooms: [Int] = []
    var lastVerb = ""

    init(house: SuiteHouse, facts: RouteFacts, detail: Int, rng: SeededRandom) {
        self.house = house; self.facts = facts; self.detail = detail; self.rng = rng
    }

    // MARK: Drawing

    mutating func pick(_ options: [String]) -> String { options[Int(rng.next() % UInt64(options.count))] }
    mutating func chance(_ p: Float) -> Bool { rng.uniform(0, 1) < p }

    /// Picks a phrasing, avoiding one that starts with the verb the previous clause started with.
    mutating func phrase(_ options: [String]) -> String {
        var choice = pick(options)
        for _ in 0..<3 where Self.verb(choice) == lastVerb { choice = pick(options) }
        lastVerb = Self.verb(choice)
        return choice
    }
    static func verb(_ s: String) -> String { String(s.split(separator: " ").first ?? "") }

    mutating func name(_ lm: Landmark) -> String {
        if let n = names[lm.category] { return n }
        let n = pick(LandmarkVocabulary.names[lm.category] ?? [lm.category])
        names[lm.category] = n
        return n
    }

    /// "kitchen", or "other bedroom" when a different bedroom was named before.
    mutating func room(_ r: Int) -> String {
        let label = house.scene.regions[r].label
        let word: String
        if let w = roomWords[label] { word = w } else { word = pick(LandmarkVocabulary.roomNames(label)); roomWords[label] = word }
        let other = namedRooms.contains { $0 != r && house.scene.regions[$0].label == label }
        if !namedRooms.contains(r) { namedRooms.append(r) }
        return other ? "other " + word : word
    }

    func isHallway(_ r: Int) -> Bool { house.scene.regions[r].label == "hallway" }

    // MARK: Units

    enum Unit {
        case orient(TurnKind)
        case exit(Int)
        case exitInto(Int, Int)
        case through(Int, Int)
        case enter(Int)
        case turn(TurnKind, landmark: Landmark?, into: Int?, again: Bool)
        case pass(RouteFacts.Pass)
        case between(Landmark, Landmark)
        case stop(enteredJustBefore: Bool)
    }

    /// The units to say, in path order, at this level of detail.
    mutating func units() -> [Unit] {
        var out: [Unit] = []
        if let t = facts.initialTurn {
            if detail == 0, t != .around {} else { out.append(.orient(t)) }
        }
        // Passed landmarks to name: the most salient, at most `detail`, at least 1.2 m of path apart.
        let passes = facts.steps.compactMap { step -> RouteFacts.Pass? in if case let .pass(p) = step { return p } else { return nil } }
        let turnMarks = Set(facts.steps.compactMap { step -> UInt32? in if case let .turn(_, _, lm?) = step { return lm.instance } else { return nil } })
        let ranked = passes.filter { !turnMarks.contains($0.landmark.instance) }.sorted { a, b in
            let sa = LandmarkVocabulary.salience(a.landmark.category) - 0.2 * a.distance
            let sb = LandmarkVocabulary.salience(b.landmark.category) - 0.2 * b.distance
            return sa != sb ? sa > sb : a.landmark.instance < b.landmark.instance
        }
        var chosen: [RouteFacts.Pass] = []
        for p in ranked where chosen.count < detail - 1 {
            // A pair on opposite sides at nearly the same place becomes "between"; other passes stay apart.
            let pairable = chosen.contains { abs($0.arc - p.arc) <= 1.0 && $0.side != nil && p.side != nil && $0.side != p.side
                && $0.landmark.room == p.landmark.room }
            if pairable || !chosen.contains(where: { abs($0.arc - p.arc) < 1.2 }) { chosen.append(p) }
        }
        let chosenIDs = Set(chosen.map(\.landmark.instance))
        var paired: Set<UInt32> = []
        var lastTurnSide: Side?
        var steps = facts.steps
        var k = 0
        var exited = false
        while k < steps.count {
            switch steps[k] {
            case let .enter(r, from, _):
                if !exited, from == facts.startRoom, let s = facts.startRoom {
                    exited = true
                    if chance(0.45) { out.append(.exitInto(s, r)); break }
                    out.append(.exit(s))
                }
                out.append(.enter(r))
            case let .turn(kind, arc, lm):
                // Slight bends are said only at the higher levels of detail.
                if case .slight = kind, detail < 3 { break }
                // A turn just before a room entry is said as "turn left into the kitchen".
                var into: Int?
                if let j = steps[(k + 1)...].firstIndex(where: { if case .enter = $0 { return true } else { return false } }),
                   case let .enter(r, from, a) = steps[j], a - arc <= 1.5, lm == nil {
                    into = r
                    if !exited, from == facts.startRoom, let s = facts.startRoom { out.append(.exit(s)); exited = true }
                    steps.remove(at: j)
                }
                var side: Side?
                if case let .full(s) = kind { side = s } else if case let .slight(s) = kind { side = s }
                out.append(.turn(kind, landmark: lm, into: into, again: side != nil && side == lastTurnSide))
                lastTurnSide = side
            case let .pass(p):
                guard chosenIDs.contains(p.landmark.instance), !paired.contains(p.landmark.instance) else { break }
                if let mate = chosen.first(where: { $0.landmark.instance != p.landmark.instance && !paired.contains($0.landmark.instance)
                    && abs($0.arc - p.arc) <= 1.0 && $0.side != nil && p.side != nil && $0.side != p.side && $0.landmark.room == p.landmark.room }) {
                    out.append(.between(p.landmark, mate.landmark))
                    paired.insert(mate.landmark.instance); paired.insert(p.landmark.instance)
                } else {
                    out.append(.pass(p))
                }
            }
            k += 1
        }
        // Terse: two room entries in a row become "walk through the A into the B".
        if detail == 0 {
            var merged: [Unit] = []
            for u in out {
                if case let .enter(b) = u, let last = merged.last, case let .enter(a) = last {
                    merged[merged.count - 1] = .through(a, b)
                } else {
                    merged.append(u)
                }
            }
            out = merged
        }
        var enteredJustBefore = false
        if let last = out.last {
            if case let .through(_, r) = last, r == facts.goalRoom { enteredJustBefore = true }
            if case let .enter(r) = last, r == facts.goalRoom { enteredJustBefore = true }
            if case let .turn(_, _, r?, _) = last, r == facts.goalRoom { enteredJustBefore = true }
            if case let .exitInto(_, r) = last, r == facts.goalRoom { enteredJustBefore = true }
        }
        out.append(.stop(enteredJustBefore: enteredJustBefore))
        return out
    }

    // MARK: Clauses

    mutating func clause(_ unit: Unit) -> Clause {
        switch unit {
        case let .orient(kind):
            switch kind {
            case .around: return Clause(text: phrase(["turn around", "turn around", "turn all the way around", "turn around to face the other way",
                                                      "face the opposite direction", "turn back", "turn to face the opposite way"]))
            case let .full(s): return Clause(text: phrase(["turn \(s.word)", "turn to your \(s.word)", "turn to the \(s.word)"]))
            case let .slight(s): return Clause(text: phrase(["turn slightly \(s.word)", "turn slightly to your \(s.word)", "bear \(s.word)", "veer \(s.word)"]))
            }
        case let .exit(r):
            let n = room(r)
            if isHallway(r), (facts.roomStretch[r] ?? 0) >= 2.5, chance(0.5) {
                return Clause(text: phrase(["walk down the \(n)", "go down the \(n)", "walk to the end of the \(n)"]),
                              fronted: pick(["At the end of the \(n)", "Once you reach the end of the \(n)"]))
            }
            return Clause(text: phrase(["exit the \(n)", "leave the \(n)", "walk out of the \(n)", "go out of the \(n)", "head out of the \(n)",
                                        "step out of the \(n)", "exit the \(n) through the doorway", "walk out the door of the \(n)",
                                        "exit the \(n) through the door"]),
                          fronted: pick(["Once out of the \(n)", "After leaving the \(n)", "Once you exit the \(n)", "Outside the \(n)",
                                         "When you are out of the \(n)"]))
        case let .exitInto(a, b):
            let na = room(a), nb = room(b)
            return Clause(text: phrase(["exit the \(na) into the \(nb)", "leave the \(na) and enter the \(nb)", "walk out of the \(na) into the \(nb)",
                                        "go from the \(na) into the \(nb)", "exit the \(na) and go into the \(nb)", "leave the \(na) for the \(nb)",
                                        "walk out of the \(na) and into the \(nb)"]))
        case let .through(a, b):
            let na = room(a), nb = room(b)
            return Clause(text: phrase(["walk through the \(na) into the \(nb)", "go through the \(na) to the \(nb)", "cross the \(na) into the \(nb)",
                                        "pass through the \(na) and into the \(nb)", "continue through the \(na) into the \(nb)",
                                        "head through the \(na) to the \(nb)"]),
                          fronted: pick(["Once you are in the \(nb)", "Once inside the \(nb)", "In the \(nb)"]))
        case let .enter(r):
            let n = room(r)
            if isHallway(r), (facts.roomStretch[r] ?? 0) >= 2.5, chance(0.6) {
                return Clause(text: phrase(["walk down the \(n)", "go down the \(n)", "head down the \(n)", "walk along the \(n)",
                                            "go into the \(n) and walk down it"]),
                              fronted: pick(["Halfway down the \(n)", "Once in the \(n)", "In the \(n)"]))
            }
            return Clause(text: phrase(["enter the \(n)", "walk into the \(n)", "go into the \(n)", "head into the \(n)", "continue into the \(n)",
                                        "step into the \(n)", "go through the doorway into the \(n)", "walk through the door into the \(n)",
                                        "proceed into the \(n)", "go through the door to the \(n)", "walk into the \(n)"]),
                          fronted: pick(["Once you enter the \(n)", "When you get to the \(n)", "Once inside the \(n)", "After entering the \(n)",
                                         "In the \(n)", "Once you are in the \(n)"]))
        case let .turn(kind, lm, into, again):
            let s: String
            switch kind {
            case .around:
                return Clause(text: phrase(["turn around", "turn all the way around"]), fronted: "After turning around")
            case let .full(side): s = side.word
            case let .slight(side):
                let w = side.word
                if let into { let n = room(into); return Clause(text: phrase(["veer \(w) into the \(n)", "bear \(w) into the \(n)", "go slightly \(w) into the \(n)"]),
                                                                  fronted: "Once you enter the \(n)") }
                if let lm { let n = name(lm); return Clause(text: phrase(["veer \(w) at the \(n)", "bear \(w) at the \(n)", "turn slightly \(w) at the \(n)"])) }
                return Clause(text: phrase(["veer \(w)", "bear \(w)", "turn slightly \(w)", "go slightly \(w)", "curve to the \(w)"]))
            }
            let tail = again && chance(0.5) ? " again" : ""
            if let into {
                let n = room(into)
                return Clause(text: phrase(["turn \(s) into the \(n)", "take a \(s) into the \(n)", "make a \(s) into the \(n)", "go \(s) into the \(n)",
                                            "enter the \(n) on your \(s)", "turn \(s) and enter the \(n)", "turn \(s) and walk into the \(n)",
                                            "turn \(s) and go into the \(n)"]),
                              fronted: pick(["Once you enter the \(n)", "Once inside the \(n)", "In the \(n)"]))
            }
            if let lm {
                let n = name(lm)
                return Clause(text: phrase(["turn \(s) at the \(n)", "make a \(s) at the \(n)", "take a \(s) at the \(n)", "turn \(s) when you reach the \(n)",
                                            "go \(s) at the \(n)", "turn \(s) by the \(n)"]),
                              fronted: "After turning \(s)")
            }
            return Clause(text: phrase(["turn \(s)\(tail)", "make a \(s)\(tail)", "take a \(s)\(tail)", "make a \(s) turn", "go \(s)", "turn to the \(s)\(tail)",
                                        "turn \(s)\(tail)"]),
                          fronted: pick(["After turning \(s)", "Once you turn \(s)", "After the \(s) turn"]))
        case let .pass(p):
            let n = name(p.landmark)
            guard let side = p.side else {
                return Clause(text: phrase(["walk across the \(n)", "cross the \(n)", "walk over the \(n)", "go across the \(n)"]),
                              fronted: pick(["After crossing the \(n)", "Once you cross the \(n)"]))
            }
            let s = side.word
            let fronted = pick(["After passing the \(n)", "Once you pass the \(n)", "Once past the \(n)", "After you pass the \(n)",
                                "When you reach the \(n)"])
            if chance(0.5) {
                return Clause(text: phrase(["walk past the \(n) on your \(s)", "go past the \(n) on your \(s)", "pass the \(n) on your \(s)",
                                            "walk by the \(n) on your \(s)", "keep the \(n) on your \(s)", "continue past the \(n) on your \(s)",
                                            "walk straight past the \(n) on your \(s)", "go past the \(n), keeping it on your \(s)",
                                            "keep walking with the \(n) on your \(s)", "pass the \(n), which will be on your \(s)"]),
                              fronted: fronted)
            }
            return Clause(text: phrase(["walk past the \(n)", "go past the \(n)", "pass the \(n)", "walk by the \(n)", "continue past the \(n)",
                                        "walk straight past the \(n)", "head past the \(n)", "go straight past the \(n)", "walk forward past the \(n)",
                                        "move past the \(n)", "walk towards the \(n) and past it"]),
                          fronted: fronted)
        case let .between(a, b):
            let na = name(a), nb = name(b)
            return Clause(text: phrase(["walk between the \(na) and the \(nb)", "go between the \(na) and the \(nb)", "pass between the \(na) and the \(nb)",
                                        "walk through the space between the \(na) and the \(nb)"]),
                          fronted: "After passing between the \(na) and the \(nb)")
        case let .stop(enteredJustBefore):
            return Clause(text: stopText(enteredJustBefore: enteredJustBefore))
        }
    }

    mutating func stopText(enteredJustBefore: Bool) -> String {
        guard let lm = facts.stopLandmark, let rel = facts.stopRelation else {
            guard let r = facts.goalRoom else { return phrase(["stop there", "wait there", "stop"]) }
            if enteredJustBefore, chance(0.6) {
                return phrase(["stop there", "wait there", "stop just inside", "stop once you are inside", "wait just inside the doorway"])
            }
            let n = room(r)
            if facts.goalNearRoomCenter {
                return phrase(["stop in the middle of the \(n)", "wait in the center of the \(n)", "stop in the center of the \(n)",
                               "stop in the middle of the room"])
            }
            return phrase(["stop in the \(n)", "wait in the \(n)", "stop once you are in the \(n)", "stop inside the \(n)", "wait inside the \(n)"])
        }
        let n = name(lm)
        var inRoom = ""
        if let r = lm.room, r == facts.goalRoom, !enteredJustBefore, !namedRooms.contains(r), chance(0.5) {
            inRoom = " in the " + room(r)
        }
        switch rel {
        case .ahead:
            return phrase(["stop in front of the \(n)\(inRoom)", "stop when you reach the \(n)\(inRoom)", "walk up to the \(n)\(inRoom) and stop",
                           "stop just before the \(n)\(inRoom)", "stop once you get to the \(n)\(inRoom)", "wait in front of the \(n)\(inRoom)",
                           "go to the \(n)\(inRoom) and wait there", "stop at the \(n)\(inRoom)"])
        case let .beside(side):
            let s = side.word
            return phrase(["stop next to the \(n)\(inRoom)", "stop beside the \(n)\(inRoom)", "stop with the \(n)\(inRoom) on your \(s)",
                           "wait next to the \(n)\(inRoom)", "stop by the \(n)\(inRoom)", "wait by the \(n)\(inRoom)", "stop near the \(n)\(inRoom)",
                           "stop when the \(n)\(inRoom) is on your \(s)", "wait near the \(n)\(inRoom)", "stop right by the \(n)\(inRoom)"])
        case .behind:
            return phrase(["stop just past the \(n)\(inRoom)", "stop once you pass the \(n)\(inRoom)", "stop after passing the \(n)\(inRoom)",
                           "wait just past the \(n)\(inRoom)"])
        }
    }

    // MARK: Sentences

    /// Composes the instruction: clauses grouped into sentences of one to three, joined by connectives or fronted
    /// subordinates.
    mutating func compose() -> String {
        let clauses = units().map { u -> Clause in
            var c = clause(u)
            switch u {
            case .exit, .exitInto, .enter, .through: c.changesRoom = true
            case let .turn(_, _, into, _): c.changesRoom = into != nil
            default: break
            }
            return c
        }
        var sentences: [String] = []
        var i = 0
        while i < clauses.count {
            let rest = clauses.count - i
            if rest >= 2, let f = clauses[i].fronted, !clauses[i + 1].changesRoom, !clauses[i + 1].text.contains("once"),
               !clauses[i + 1].text.contains("when"), chance(0.3) {
                var s = f + ", " + clauses[i + 1].text
                i += 2
                if i < clauses.count, chance(0.3) { s += pick([" and ", ", then ", " and then "]) + clauses[i].text; i += 1 }
                sentences.append(s)
                continue
            }
            let n = min(rest, [1, 2, 2, 2, 3][Int(rng.next() % 5)])
            var s = clauses[i].text
            for k in 1..<max(n, 1) {
                let last = k == n - 1
                s += (last ? pick([" and ", ", then ", " and then ", ", and ", " then "]) : pick([", ", " and "])) + clauses[i + k].text
            }
            sentences.append(s)
            i += n
        }
        return sentences.map { Self.capitalized($0) + "." }.joined(separator: " ")
    }

    static func capitalized(_ s: String) -> String {
        guard let f = s.first else { return s }
        return f.uppercased() + s.dropFirst()
    }
}
