/// How instructions name the generator's furniture categories and rooms: the words R2R annotators use for them
/// (every name here is in R2R-CE's `instruction_vocab`), and how salient each piece is as a landmark.
enum LandmarkVocabulary {
    /// Names per furniture category, the plainest first; an instruction picks one per category and keeps it.
    /// Categories absent here (wall lamps, computer monitors) are never named.
    static let names: [String: [String]] = [
        "bed": ["bed"],
        "nightstand": ["nightstand", "night stand", "bedside table"],
        "wardrobe": ["wardrobe", "closet"],
        "dresser": ["dresser", "chest of drawers"],
        "rug": ["rug", "carpet"],
        "kitchen counter": ["counter", "kitchen counter", "countertop"],
        "refrigerator": ["refrigerator", "fridge"],
        "stove": ["stove", "oven"],
        "sink": ["sink", "kitchen sink"],
        "kitchen island": ["kitchen island", "island"],
        "dining chair": ["chair"],
        "trash can": ["trash can", "garbage can"],
        "sofa": ["couch", "sofa"],
        "armchair": ["armchair"],
        "coffee table": ["coffee table"],
        "tv stand": ["TV stand", "TV cabinet"],
        "tv": ["TV", "television"],
        "bookshelf": ["bookshelf", "bookcase"],
        "plant": ["plant", "potted plant"],
        "floor lamp": ["floor lamp", "lamp"],
        "toilet": ["toilet"],
        "bathtub": ["bathtub", "tub"],
        "shower": ["shower"],
        "bathroom sink": ["sink", "vanity"],
        "towel rack": ["towel rack"],
        "mirror": ["mirror"],
        "desk": ["desk"],
        "office chair": ["desk chair", "office chair"],
        "filing cabinet": ["cabinet", "metal cabinet"],
        "dining table": ["dining table", "table"],
        "sideboard": ["buffet", "credenza", "cabinet"],
        "shoe rack": ["shoe rack"],
        "coat rack": ["coat rack"],
        "picture": ["picture", "painting"],
    ]

    /// How likely an annotator is to use a category as a landmark, 0…1 (large, distinctive pieces first).
    static func salience(_ category: String) -> Float {
        switch category {
        case "bed", "sofa", "dining table": return 1.0
        case "kitchen island", "refrigerator", "coffee table", "armchair": return 0.9
        case "wardrobe", "bookshelf", "desk", "bathtub", "tv": return 0.8
        case "stove", "toilet", "shower", "dresser": return 0.7
        case "kitchen counter", "sink", "bathroom sink", "plant", "sideboard": return 0.6
        case "tv stand", "floor lamp", "shoe rack", "coat rack", "filing cabinet", "rug": return 0.5
        case "office chair", "trash can", "nightstand", "picture": return 0.4
        case "mirror", "dining chair": return 0.3
        case "towel rack": return 0.2
        default: return 0
        }
    }

    /// Whether an instruction may name `landmark` at all.
    static func isNameable(_ landmark: Landmark) -> Bool { names[landmark.category] != nil && salience(landmark.category) > 0 }

    /// Names per room label (`HouseGenerator.roomLabels`), the plainest first.
    static func roomNames(_ label: String) -> [String] {
        switch label {
        case "living room": return ["living room", "living room", "lounge"]
        case "hallway": return ["hallway", "hall", "corridor"]
        case "office": return ["office", "study"]
        case "bathroom": return ["bathroom", "bathroom", "restroom"]
        case "dining room": return ["dining room"]
        default: return [label]
        }
    }
}
