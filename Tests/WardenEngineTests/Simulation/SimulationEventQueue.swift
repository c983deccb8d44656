/// The simulated events waiting for their time: a binary min-heap ordered by time, then by
/// insertion order, so that two runs of one seed process events in exactly the same order. The
/// heap holds small keys; the events themselves stay put in slots (cheap to reorder in debug builds).
struct SimulationEventQueue {
    private var heap: [SimulationEventKey] = []
    private var slots: [SimulationEvent?] = []
    private var free: [Int] = []
    private var sequence: UInt64 = 0

    mutating func push(_ event: SimulationEvent, at time: Int64) {
        sequence &+= 1
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
            slots[slot] = event
        } else {
            slot = slots.count
            slots.append(event)
        }
        heap.append(SimulationEventKey(time: time, sequence: sequence, slot: slot))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: Int64, event: SimulationEvent)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count && heap[left].precedes(heap[smallest]) { smallest = left }
                if right < heap.count && heap[right].precedes(heap[smallest]) { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        let event = slots[first.slot]
        slots[first.slot] = nil
        free.append(first.slot)
        return event.map { (first.time, $0) }
    }
}

/// Where an event waits in the queue: its time, its place in insertion order, its slot.
struct SimulationEventKey {
    let time: Int64
    let sequence: UInt64
    let slot: Int

    func precedes(_ other: SimulationEventKey) -> Bool {
        time != other.time ? time < other.time : sequence < other.sequence
    }
}
