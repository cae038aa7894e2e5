print("vlnsim")
