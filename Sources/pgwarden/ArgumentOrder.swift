/// repmgr accepts global options before the object and action (`repmgr -f FILE cluster show`).
/// swift-argument-parser only accepts a subcommand's options after its name, so options
/// written before the first word are moved behind the command words.
enum ArgumentOrder {
    static func normalized(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            let argument = arguments[index]
            leading.append(argument)
            if GlobalOptions.optionsTakingValues.contains(argument), index + 1 < arguments.count {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        var words: [String] = []
        while index < arguments.count, !arguments[index].hasPrefix("-"), words.count < 2 {
            words.append(arguments[index])
            index += 1
        }
        return words + leading + arguments[index...]
    }
}
